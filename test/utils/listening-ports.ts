import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** Socket inodes in the LISTEN state, from /proc/net/tcp and tcp6 (Linux). */
function listeningInodes(): Set<string> {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.trim().split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields[3] === '0A') inodes.add(fields[9]);
    }
  }
  return inodes;
}

/** How many listening TCP sockets the process holds open. */
export function listeningSocketCount(pid: number): number {
  const listening = listeningInodes();
  let count = 0;
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    let target = '';
    try {
      target = readlinkSync(`/proc/${pid}/fd/${fd}`);
    } catch {
      continue;
    }
    const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
    if (inode && listening.has(inode)) count++;
  }
  return count;
}
