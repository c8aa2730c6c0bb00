/** `npm start` and the container's entry point: `usergraph start`. */
import './cli.js';
