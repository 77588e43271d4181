package io.rdc.runtime.kernel;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The counters below a node's ids (§8.4.2). Without a control plane a node counts from 1, which is
 * enough while the pool lives in one process. With one, the node counts through blocks the control
 * plane hands out, none ever handed out twice, so an id made after any restart of nodes, operators
 * or the whole pool never names an earlier object. The next block is fetched in the background when
 * three quarters of the current one are used, so the hot path is one atomic increment.
 */
final class IdBlocks {
    private final AtomicLong counter = new AtomicLong();
    private volatile long softLimit = Long.MAX_VALUE, hardLimit = Long.MAX_VALUE, start = 1;
    private ControlPlane control;
    private int node;
    private boolean fetching;
    private long nextStart;

    /** Counts through the block [first, first + size) and those that follow it, fetched from {@code control}. */
    synchronized void use(ControlPlane control, int node, long first) {
        this.control = control;
        this.node = node;
        switchTo(first);
    }

    long next() {
        long c = counter.incrementAndGet();
        if (c < softLimit) return c;
        return nextSlow(c);
    }

    private synchronized long nextSlow(long c) {
        while (true) {
            if (c >= start && c < hardLimit) {
                if (!fetching && nextStart == 0 && c >= softLimit) fetchAsync();
                return c;
            }
            if (c >= hardLimit) {
                long s = nextStart;
                if (s == 0) s = control.idBlock(node); // used up before the background fetch came back
                nextStart = 0;
                switchTo(s);
            }
            c = counter.incrementAndGet();
        }
    }

    private void switchTo(long first) {
        long size = control.idBlockSize();
        start = first;
        hardLimit = first + size;
        softLimit = first + size * 3 / 4;
        // Ids handed out past the old block's end are retried; if the blocks are contiguous they are
        // already inside the new one, so the counter never goes back.
        long cur = counter.get();
        counter.set(Math.max(first - 1, cur < hardLimit && cur >= first ? cur : first - 1));
    }

    private void fetchAsync() {
        fetching = true;
        Thread.ofPlatform().daemon(true).name("rdc-ids-" + node).start(() -> {
            long s = 0;
            try {
                s = control.idBlock(node);
            } catch (RuntimeException e) {
                // the next id past the block asks again, synchronously, and reports the failure
            }
            synchronized (this) {
                fetching = false;
                if (s != 0) nextStart = s;
            }
        });
    }
}
