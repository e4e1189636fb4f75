// A failed bind() in operator terms: which address, which option named it,
// and what to do. Kept apart from server.ts so the ops endpoint (and the
// commands that only parse its address) do not load the DNS server.

import { ExitCode, OperatorError } from '../errors.js';

export interface BindAddress {
  readonly address: string;
  readonly port: number;
}

/**
 * A listening socket could not be opened. A port in use may free itself
 * (exit 1, a restart can help); the others are the configuration's fault (78).
 */
export class BindError extends OperatorError {
  override readonly name = 'BindError';
  override readonly exitCode: ExitCode;
  constructor(
    message: string,
    /** The errno code of the failed bind(), e.g. EADDRINUSE. */
    readonly code: string | undefined,
  ) {
    super(message);
    this.exitCode = code === 'EADDRINUSE' ? ExitCode.failure : ExitCode.config;
  }
}

/** Explain a failed bind() in operator terms; `option` is the flag that named the address (--listen, --http). */
export function explainBindError(e: NodeJS.ErrnoException, at: BindAddress, option = '--listen'): BindError {
  const where = `${at.address.includes(':') ? `[${at.address}]` : at.address}:${at.port}`;
  switch (e.code) {
    case 'EACCES':
      return new BindError(
        `cannot listen on ${where} (${option}): no permission to bind port ${at.port}, a privileged port: run as root, give the process ` +
          'CAP_NET_BIND_SERVICE (systemd: AmbientCapabilities=CAP_NET_BIND_SERVICE; or setcap cap_net_bind_service=+ep on node), ' +
          'or use a port >= 1024',
        e.code,
      );
    case 'EADDRNOTAVAIL':
      return new BindError(
        `cannot listen on ${where} (${option}): the address is not configured on this host. 127.53.53.53 works out of the box on Linux; ` +
          'on macOS run: sudo ifconfig lo0 alias 127.53.53.53 up',
        e.code,
      );
    case 'EADDRINUSE':
      return new BindError(`cannot listen on ${where} (${option}): it is in use by another process; stop that process or choose another ${option}`, e.code);
    case 'EAFNOSUPPORT':
      return new BindError(`cannot listen on ${where} (${option}): IPv6 is not available on this host; drop the IPv6 ${option} address`, e.code);
    case 'ENOPROTOOPT':
    case 'ENOTSUP':
    case 'EOPNOTSUPP':
      // Only --workers > 1 asks for SO_REUSEPORT (server.ts reusePort); Linux has it since 3.9.
      return new BindError(`cannot listen on ${where} (${option}): this kernel has no SO_REUSEPORT, which --workers > 1 needs (${e.code}); use --workers 1`, e.code);
    default:
      return new BindError(`cannot listen on ${where} (${option}): ${e.message}`, e.code);
  }
}
