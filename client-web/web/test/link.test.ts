// The live connection: after the socket drops, a new one opens after the backoff
// delay (doubling, at most 30 s), at once when the network is back, and never
// after the server ended the session.

import { describe, expect, it } from 'vitest';

import { backoff, LiveLink, SESSION_ENDED, type LinkEvents, type SocketHandlers, type SocketLike } from '../src/engine/link';
import { FakeClock } from './fakes';

class FakeSocket implements SocketLike {
  closedByUs = false;
  sent: string[] = [];
  constructor(readonly handlers: SocketHandlers) {}
  send(text: string): void {
    this.sent.push(text);
  }
  close(): void {
    this.closedByUs = true;
  }
  /** The server (or the network) closes it. */
  drop(code = 1006): void {
    this.handlers.close(code);
  }
}

function setup() {
  const clock = new FakeClock();
  const sockets: FakeSocket[] = [];
  const frames: string[] = [];
  const closes: boolean[] = [];
  let wanted = true;
  const events: LinkEvents = {
    wanted: () => wanted,
    connecting: () => undefined,
    frame: (_socket, text) => frames.push(text),
    closed: (ended) => closes.push(ended),
  };
  const link = new LiveLink(
    (handlers) => {
      const socket = new FakeSocket(handlers);
      sockets.push(socket);
      return socket;
    },
    events,
    clock,
  );
  const last = (): FakeSocket => {
    const socket = sockets[sockets.length - 1];
    if (socket === undefined) throw new Error('no socket opened');
    return socket;
  };
  return { clock, sockets, frames, closes, link, last, unwant: () => (wanted = false) };
}

describe('live connection', () => {
  it('hands text frames to the engine', () => {
    const { link, last, frames } = setup();
    link.start();
    last().handlers.message('{"type":"hello"}');
    expect(frames).toEqual(['{"type":"hello"}']);
  });

  it('reconnects after the delay, doubling it while failures go on', () => {
    const { link, sockets, last, clock } = setup();
    link.start();
    expect(sockets).toHaveLength(1);
    last().drop();
    clock.advance(999);
    expect(sockets).toHaveLength(1);
    clock.advance(1);
    expect(sockets).toHaveLength(2);
    last().drop();
    clock.advance(1_999);
    expect(sockets).toHaveLength(2);
    clock.advance(1);
    expect(sockets).toHaveLength(3);
  });

  it('waits the shortest delay again once the server greeted', () => {
    const { link, sockets, last, clock } = setup();
    link.start();
    last().drop();
    clock.advance(1_000);
    last().drop();
    clock.advance(2_000);
    expect(sockets).toHaveLength(3);
    link.opened();
    last().drop();
    clock.advance(1_000);
    expect(sockets).toHaveLength(4);
  });

  it('never waits more than 30 seconds', () => {
    expect(backoff(1)).toBe(1_000);
    expect(backoff(5)).toBe(16_000);
    expect(backoff(6)).toBe(30_000);
    expect(backoff(50)).toBe(30_000);
  });

  it('connects at once when the network is back', () => {
    const { link, sockets, last, clock } = setup();
    link.start();
    last().drop();
    link.reconnectNow();
    expect(sockets).toHaveLength(2);
    // The pending retry was cancelled: no third socket later.
    clock.advance(60_000);
    expect(sockets).toHaveLength(2);
    expect(clock.pending()).toBe(0);
  });

  it('does not open a second socket while one is open', () => {
    const { link, sockets } = setup();
    link.start();
    link.reconnectNow();
    expect(sockets).toHaveLength(1);
  });

  it('stops for good when the server ended the session', () => {
    const { link, sockets, last, clock, closes } = setup();
    link.start();
    last().drop(SESSION_ENDED);
    expect(closes).toEqual([true]);
    clock.advance(60_000);
    link.reconnectNow();
    expect(sockets).toHaveLength(1);
  });

  it('closes the socket and stays closed after stop (sign-out)', () => {
    const { link, sockets, last, clock } = setup();
    link.start();
    const socket = last();
    link.stop();
    expect(socket.closedByUs).toBe(true);
    socket.drop();
    clock.advance(60_000);
    expect(sockets).toHaveLength(1);
  });

  it('opens nothing for an engine that is no longer running', () => {
    const { link, sockets, last, clock, unwant } = setup();
    link.start();
    unwant();
    last().drop();
    clock.advance(60_000);
    expect(sockets).toHaveLength(1);
  });
});
