/**
 * String id -> dense index (0, 1, 2, ... in first-seen order). The ids array is the inverse map, so
 * the user's ids come back in index order.
 */
export class IdIndex {
  private readonly map = new Map<string, number>();
  readonly ids: string[] = [];

  indexOf(id: string): number {
    let i = this.map.get(id);
    if (i === undefined) {
      i = this.ids.length;
      this.map.set(id, i);
      this.ids.push(id);
    }
    return i;
  }

  get(id: string): number | undefined {
    return this.map.get(id);
  }

  get size(): number {
    return this.ids.length;
  }
}
