/** What the registry needs of a connection. */
export interface RegisteredConnection {
  /** Closes a connection that a newer one for the same UAID replaced. */
  replace(): void;
}

/** The user agents connected to this node, by UAID. One connection per UAID: the newest wins. */
export class ConnectionRegistry<C extends RegisteredConnection> {
  readonly #byUaid = new Map<string, C>();

  /** Registers a connection; an older one for the same UAID is told it was replaced. */
  attach(uaid: string, connection: C): void {
    const previous = this.#byUaid.get(uaid);
    this.#byUaid.set(uaid, connection);
    if (previous && previous !== connection) previous.replace();
  }

  /** Unregisters a connection, unless a newer one already took its UAID. Returns whether it was the holder. */
  detach(uaid: string, connection: C): boolean {
    if (this.#byUaid.get(uaid) !== connection) return false;
    this.#byUaid.delete(uaid);
    return true;
  }

  get(uaid: string): C | undefined {
    return this.#byUaid.get(uaid);
  }

  get size(): number {
    return this.#byUaid.size;
  }

  values(): IterableIterator<C> {
    return this.#byUaid.values();
  }
}
