// For tests: the CPU milliseconds a call takes (node's process.cpuUsage), which a machine busy
// with other work does not lengthen as it does wall time.
declare const process: { cpuUsage(prev?: { user: number; system: number }): { user: number; system: number } };

export function cpuMs(fn: () => void): number {
  const start = process.cpuUsage();
  fn();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}
