// nsd.conf clauses every NSD a test starts shares: one loopback address, all
// state in the test's own directory, no chroot, no privilege drop, no control
// socket. Tests add their own key: and zone: clauses after it.

export function nsdServerConf(dir: string, port: number, address = '127.0.0.1'): string {
  return `server:
  ip-address: ${address}@${port}
  username: ""
  chroot: ""
  zonesdir: "${dir}"
  pidfile: "${dir}/nsd.pid"
  database: ""
  xfrdfile: "${dir}/xfrd.state"
  zonelistfile: "${dir}/zone.list"
  logfile: "${dir}/nsd.log"
remote-control:
  control-enable: no
`;
}
