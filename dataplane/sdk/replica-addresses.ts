/** The replica addresses of a decision service address, a comma-separated list, in the order given. */
export function replicaAddresses(address: string): string[] {
  const list = address.split(',').map((part) => part.trim()).filter((part) => part !== '');
  if (list.length === 0) throw new Error('no decision service address given');
  return list;
}
