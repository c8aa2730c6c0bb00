/**
 * `usergraph start`: the gateway, listening. With `check` (check.ts), the only code that reads
 * process.env.
 *
 * Demo mode (the default) starts every provider's simulator with the shipped demo data and points
 * the gateway at them; production mode (USERGRAPH_MODE=production) never starts a simulator.
 */
import { loadConfig, withSimulatorUrls, type GatewayConfig } from '../config.js';
import { createLogger } from '../logger.js';
import { createGateway } from '../server.js';
import { loadTrustedDocuments } from '../persisted/trusted-documents.js';
import { credentialsFor } from '../simulators/credentials-for-data.js';
import { loadSimulatorData, startSimulators, type Simulators } from '../simulators/index.js';
import { SIMULATOR_MODULES } from '../simulators/registry.js';
import { PROVIDERS } from '../providers/registry.js';
import { describeRedisUrl } from '../cache/redis-url.js';
import { createTracing } from '../tracing.js';
import { endpointOrigin, tracesProtocol } from '../tracing-exporter.js';

export async function start(): Promise<void> {
  const logger = createLogger({ level: process.env.LOG_LEVEL ?? 'info' });
  // A ConfigError lists every bad value; the CLI prints it and exits 2.
  let config: Readonly<GatewayConfig> = loadConfig(process.env);
  // Likewise a bad PERSISTED_DOCUMENTS manifest, before any simulator listens.
  const trustedDocuments = config.persistedDocuments && loadTrustedDocuments(config.persistedDocuments);
  // OpenTelemetry traces: on when OTEL_EXPORTER_OTLP_ENDPOINT (or …_TRACES_ENDPOINT) is set (tracing.ts).
  // Made before any simulator listens: an unknown OTEL_EXPORTER_OTLP_PROTOCOL stops the start here.
  const tracing = createTracing({ env: process.env });

  let simulators: Simulators | undefined;
  if (config.mode === 'demo') {
    simulators = await startSimulators({
      data: config.simulatorDataPath ? loadSimulatorData(config.simulatorDataPath) : undefined,
      ports: Object.fromEntries(SIMULATOR_MODULES.map((s) => [s.key, config.simulatorPorts[s.name]])),
    });
    config = withSimulatorUrls(config, simulators);
    const running = simulators;
    logger.info(
      { simulators: Object.fromEntries(SIMULATOR_MODULES.map((s) => [s.name, running[s.key].url])) },
      'DEMO MODE: providers are the embedded simulators with demo data (set USERGRAPH_MODE=production for real providers)',
    );
  } else {
    const providers = config.providers as Readonly<Record<string, unknown>>;
    const missing = PROVIDERS.filter((p) => !providers[p]);
    logger.info({ mode: 'production', notConfigured: missing }, missing.length ? 'some providers are not configured; their fields answer PROVIDER_UNAVAILABLE' : 'all providers configured');
  }

  if (tracing.enabled) logger.info({ protocol: tracesProtocol(process.env), endpoint: endpointOrigin(process.env) }, 'exporting traces (OTLP)');
  const gateway = await createGateway(config, { logger, trustedDocuments, tracing });
  const url = await gateway.listen();
  logger.info({ url }, 'usergraph is listening');
  // Where cached user records live and for how long (the Redis URL without its password).
  const cachedFor = Object.fromEntries(Object.entries(config.cache.providers).filter(([, p]) => p.ttlS > 0).map(([name, p]) => [name, p.ttlS]));
  logger.info(
    { store: config.cache.redis ? `redis ${describeRedisUrl(config.cache.redis.url)}` : 'memory', ttlS: cachedFor },
    Object.keys(cachedFor).length ? 'user records are cached (CACHE_TTL_S)' : 'user records are not cached (CACHE_TTL_S=0)',
  );
  if (simulators) {
    process.stdout.write(
      `\nusergraph (demo) is running at ${url}\nOpen it in a browser, or send these headers to try each provider:\n` +
        // Taken from the data the simulators run on, so a custom SIMULATOR_DATA file prints its own.
        Object.entries(credentialsFor(simulators.data))
          .map(([provider, headers]) => `  ${provider}\n${Object.entries(headers).map(([k, v]) => `    ${k}: ${v}`).join('\n')}`)
          .join('\n') +
        (config.cache.providers.PASSBOLT.ttlS > 0
          ? `\nUser records are cached for ${config.cache.providers.PASSBOLT.ttlS} s (CACHE_TTL_S): ask twice and the second answer costs no upstream call.\n\n`
          : '\n\n'),
    );
  }

  /**
   * Drains (readiness 503 at once, in-flight requests finish within SHUTDOWN_TIMEOUT_MS, new ones get
   * SHUTTING_DOWN), closes the pools and exits 0. Repeated signals are ignored: one Ctrl-C under
   * `npm start` can arrive twice (the terminal and npm both forward it).
   */
  let stopping = false;
  const shutdown = async (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal, shutdownTimeoutMs: config.shutdownTimeoutMs }, 'shutting down: draining in-flight requests');
    try {
      await gateway.stop();
      await simulators?.close();
      logger.info('stopped');
      process.exit(0);
    } catch (error) {
      logger.error({ err: error }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.on('SIGINT', (signal) => void shutdown(signal));
  process.on('SIGTERM', (signal) => void shutdown(signal));
}
