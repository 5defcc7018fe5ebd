import NIOCore

/// A `ToxicHandler` that holds chunks until their release time, in order (the engine of `latency` and `bandwidth`).
///
/// Subclasses call `hold(_:until:)` / `holdEnd(until:)` with non-decreasing deadlines. Reading from the source is
/// paused while more than `highWater` bytes are held, so a slow toxic cannot balloon memory. On removal everything
/// held is forwarded at once.
open class ScheduledReleaseHandler: ToxicHandler {
    private enum Item { case data(ByteBuffer), end }
    private var queue = CircularBuffer<(release: NIODeadline, item: Item)>()
    private var heldBytes = 0
    private var timer: Int?
    /// Bytes held above which the source is no longer read.
    public var highWater = 1 << 20

    /// The latest release time queued (chunks are never reordered).
    public private(set) var lastRelease: NIODeadline = .uptimeNanoseconds(0)

    /// Whether anything is waiting.
    public var isHolding: Bool { !queue.isEmpty }

    /// Holds `chunk` until `deadline` (or the last queued release, if later).
    public final func hold(_ chunk: ByteBuffer, until deadline: NIODeadline) {
        enqueue(.data(chunk), until: deadline, size: chunk.readableBytes)
    }

    /// Holds the end of the stream until `deadline` (or the last queued release, if later).
    public final func holdEnd(until deadline: NIODeadline) {
        enqueue(.end, until: deadline, size: 0)
    }

    private func enqueue(_ item: Item, until deadline: NIODeadline, size: Int) {
        let release = max(deadline, lastRelease)
        lastRelease = release
        queue.append((release, item))
        heldBytes += size
        holdsReads = heldBytes > highWater
        if timer == nil { arm() }
    }

    private func arm() {
        guard let head = queue.first else { timer = nil; return }
        timer = at(head.release) { [weak self] in self?.releaseDue() }
    }

    private func releaseDue() {
        let current = now
        while let head = queue.first, head.release <= current {
            queue.removeFirst()
            forward(head.item)
        }
        holdsReads = heldBytes > highWater
        arm()
    }

    private func forward(_ item: Item) {
        switch item {
        case .data(let chunk):
            heldBytes -= chunk.readableBytes
            emit(chunk)
        case .end:
            emitEnd()
        }
    }

    open override func drain() {
        while let head = queue.popFirst() { forward(head.item) }
        holdsReads = false
    }
}
