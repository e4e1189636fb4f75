// Where `serve` answers unless told otherwise (`--listen`, ROOTMIRROR_LISTEN):
// one constant, so `check` and `print-config` ask the address serve uses.
// 127.53.53.53, not 127.0.0.1: the host's own resolver often sits on 127.0.0.1:53.

export const DEFAULT_LISTEN = '127.53.53.53:53';

/** A wildcard listen address is reached on loopback. */
export const LOOPBACK_FOR_WILDCARD: Readonly<Record<string, string>> = { '0.0.0.0': '127.0.0.1', '::': '::1' };
