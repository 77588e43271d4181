package io.rdc.runtime.kernel;

import io.aeron.logbuffer.FragmentHandler;
import io.aeron.logbuffer.Header;
import io.rdc.runtime.kernel.codec.*;
import io.rdc.runtime.ref.RefDescriptor;
import io.rdc.runtime.transport.Frames;
import io.rdc.runtime.transport.Wire;
import java.nio.charset.StandardCharsets;
import org.agrona.DirectBuffer;

import static io.rdc.runtime.kernel.Kernel.*;

/**
 * The kernel's adapter (in the manner of Aeron's IngressAdapter): takes the whole, authenticated
 * messages the transport reassembles, checks each frame against its own length, decodes it and
 * dispatches it — data to the {@link Router}, acknowledgements and replies to their senders and
 * invokers, responses to {@link Requests}, events to {@link Ghosts}, and each request operation to
 * the part of the kernel that serves it. A frame it cannot take is counted and dropped; nothing
 * thrown while handling one leaves the duty cycle.
 */
final class KernelAdapter {
    private final Kernel k;

    KernelAdapter(Kernel k) {
        this.k = k;
    }
    /** Whole messages that passed authentication: the transport reassembles and checks them. */
    final FragmentHandler assembler = this::onFragment;

    // =====================================================================================
    // Receiving (kernel thread)

    void onFragment(DirectBuffer buf, int off, int len, Header header) {
        String bad = Frames.malformed(buf, off, len);
        if (bad != null) {
            malformed(bad);
            return;
        }
        byte type = buf.getByte(off + Frames.TYPE);
        try {
            switch (type) {
                case Frames.DATA -> k.router.onData(buf, off, len);
                case Frames.ACK -> onAck(buf, off);
                case Frames.REPLY -> onReply(buf, off, len);
                case Frames.REQUEST -> onRequest(buf, off, len, true);
                case Frames.RESPONSE -> k.requests.onResponse(buf, off, len);
                case Frames.EVENT -> onEvent(buf, off, len);
                default -> malformed("unknown frame type " + type);
            }
        } catch (KernelCodec.Unreadable e) {
            refused(Frames.typeName(type), e.getMessage());
        } catch (RuntimeException | Error e) {
            // A malformed or unexpected frame must not stop the kernel, nor an Error from it (issue 21): report and carry on.
            malformed("error handling a " + Frames.typeName(type) + " frame: " + e);
        }
    }

    long malformedFrames;

    /** Frames this kernel could not decode or handle, since it started (kernel thread). */
    public long malformedFrames() {
        return malformedFrames;
    }

    /** Counts a frame it could not take; says so for the first ten, then once in 10,000 (a flood must not flood stderr). */
    void malformed(String why) {
        long n = ++malformedFrames;
        if (n <= 10 || n % 10_000 == 0) System.err.println("node " + k.nodeId + ": dropped frame " + n + ": " + why);
    }

    volatile long refusedMessages;

    /** Kernel messages this kernel refused because it cannot read them (another schema or version), since it started. */
    long refusedMessages() {
        return refusedMessages;
    }

    /**
     * Counts a message of a schema or version this node cannot read (it is also a dropped frame), and
     * says so in the same measure as {@link #malformed}.
     */
    void refused(String frame, String why) {
        long n = ++refusedMessages;
        malformedFrames++;
        if (n <= 10 || n % 10_000 == 0) System.err.println("node " + k.nodeId + ": refused " + frame + " " + n + " (unreadable kernel messages so far: " + n + "): " + why);
    }

    // ---- decoding (kernel thread): one flyweight of each message, reused
    final KernelCodec.Incoming incoming = new KernelCodec.Incoming();
    private final EventNoteDecoder eventNote = new EventNoteDecoder();
    private final LocateDecoder locate = new LocateDecoder();
    private final ChannelInfoDecoder channelInfo = new ChannelInfoDecoder();
    private final NodeStatusQueryDecoder nodeStatusQuery = new NodeStatusQueryDecoder();
    private final DestroyDecoder destroy = new DestroyDecoder();
    private final FreezeDecoder freeze = new FreezeDecoder();
    private final UnfreezeDecoder unfreeze = new UnfreezeDecoder();
    private final StatusQueryDecoder statusQuery = new StatusQueryDecoder();
    private final InterestDecoder interest = new InterestDecoder();
    private final GiveInterfaceDecoder giveInterface = new GiveInterfaceDecoder();
    private final InterfaceHandleDecoder interfaceHandle = new InterfaceHandleDecoder();
    private final SnapshotDecoder snapshot = new SnapshotDecoder();
    private final ListDecoder list = new ListDecoder();
    private final CreateDecoder create = new CreateDecoder();
    private final ModuleFetchDecoder moduleFetch = new ModuleFetchDecoder();
    private final BlueprintDecoder blueprint = new BlueprintDecoder();
    private final WithdrawDecoder withdraw = new WithdrawDecoder();
    private final NodeAcceptDecoder nodeAccept = new NodeAcceptDecoder();
    private final SpacePutDecoder spacePut = new SpacePutDecoder();
    private final SpaceGetDecoder spaceGet = new SpaceGetDecoder();
    private final SpaceReturnDecoder spaceReturn = new SpaceReturnDecoder();
    private final SpaceDeleteDecoder spaceDelete = new SpaceDeleteDecoder();
    private final SpacePrintDecoder spacePrint = new SpacePrintDecoder();
    private final NameRegisterDecoder nameRegister = new NameRegisterDecoder();
    private final NameLookupDecoder nameLookup = new NameLookupDecoder();
    private final BufferReadDecoder bufferRead = new BufferReadDecoder();
    private final BufferWriteDecoder bufferWrite = new BufferWriteDecoder();
    private final DependDecoder depend = new DependDecoder();
    private final ActivatePortDecoder activatePort = new ActivatePortDecoder();
    private final AttachDecoder attach = new AttachDecoder();
    private final DetachDecoder detach = new DetachDecoder();
    private final RebindAtReceiverDecoder rebindAtReceiver = new RebindAtReceiverDecoder();
    private final RebindStreamDecoder rebindStream = new RebindStreamDecoder();
    private final FreezeStreamDecoder freezeStream = new FreezeStreamDecoder();
    private final RouteBarrierDecoder routeBarrier = new RouteBarrierDecoder();
    private final MigrateDecoder migrate = new MigrateDecoder();
    private final MigratePrepareDecoder migratePrepare = new MigratePrepareDecoder();
    private final MigrateChunkDecoder migrateChunk = new MigrateChunkDecoder();
    private final MigrateInstallDecoder migrateInstall = new MigrateInstallDecoder();
    private final MigrateCommitDecoder migrateCommit = new MigrateCommitDecoder();
    private final MigrateAbortDecoder migrateAbort = new MigrateAbortDecoder();
    private final CheckpointDecoder checkpoint = new CheckpointDecoder();
    private final ReplaceDecoder replace = new ReplaceDecoder();
    private final ForkDecoder fork = new ForkDecoder();

    /** Tests only (the frame fuzz test): one frame through the decoder, as if it arrived; call on the kernel thread. */
    void receiveForTest(DirectBuffer buf, int off, int len) {
        onFragment(buf, off, len, null);
    }

    void onAck(DirectBuffer buf, int off) {
        int status = buf.getShort(off + Frames.SHORT_FIELD);
        long gid = buf.getLong(off + Frames.A_STREAM);
        long seq = buf.getLong(off + Frames.A_SEQ);
        long port = buf.getLong(off + Frames.A_PORT);
        long ackedChannel = buf.getLong(off + Frames.A_CHANNEL);
        Stream st = k.router.streams.get(gid);
        if (st == null) return;
        if (status == Frames.OK) {
            // Learn the final address (§8.4.3), applied by the sender once nothing is in flight.
            // Acknowledgements of messages sent before the last switch are stale news.
            if (!st.multicast && port != 0 && port != st.destAddr && st.retarget == null && seq > st.switchedAt)
                st.retarget = new Stream.Retarget(ackedChannel != 0 ? ackedChannel : st.channel, port, 0);
            if (seq > st.ackedSeq) st.ackedSeq = seq;
        } else if (status == Frames.NO_MEMBER) {
            if (st.multicast) k.router.noMember(st, buf.getInt(off + Frames.SRC_NODE), seq);
        } else if (status == ST_QUEUE_FULL) {
            st.failure = "message " + seq + " refused: the receiving port's queue at node " + buf.getInt(off + Frames.SRC_NODE)
                    + " is full (rdc.limit.portMessages, rdc.limit.portBytes)";
            st.ackedSeq = Math.max(st.ackedSeq, seq);
            k.ghosts.raise(st.owner, Event.Type.STREAM_CLOSED, st.failure);
        } else {
            st.failure = "message " + seq + " refused: no port is attached to channel " + Ids.show(st.channel);
            st.ackedSeq = Math.max(st.ackedSeq, seq);
            k.ghosts.raise(st.owner, Event.Type.STREAM_CLOSED, st.failure);
        }
    }

    void onReply(DirectBuffer buf, int off, int len) {
        int status = buf.getShort(off + Frames.SHORT_FIELD);
        long id = buf.getLong(off + Frames.R_INVOKE);
        Waiter w = k.requests.calls.get(id);
        Probe.stamp(4);
        if (w == null) return; // the invoker gave up
        int bl = buf.getInt(off + Frames.R_BODY_LEN);
        int rl = buf.getInt(off + Frames.R_REF_LEN);
        int pos = off + Frames.R_HEADER;
        int hl = buf.getInt(pos);
        pos += 4;
        byte[] head = hl == 0 ? null : new byte[hl];
        if (hl > 0) buf.getBytes(pos, head);
        pos += hl;
        if (status != Frames.OK) {
            w.complete(status, null, head == null ? "refused" : new String(head, StandardCharsets.UTF_8));
            return;
        }
        byte[] body = bl == 0 ? null : new byte[bl];
        if (bl > 0) buf.getBytes(pos, body);
        pos += bl;
        RefDescriptor ref = rl > 0 ? RefDescriptor.read(buf, pos, rl) : null;
        w.complete(Frames.OK, null, new Reply(head, body, ref, buf.getLong(off + Frames.R_PORT)));
    }

    /** A request held here (for a migration or an allocation read) and dispatched again: its claim was proven when it arrived. */
    void onRequest(DirectBuffer buf, int off, int len) {
        onRequest(buf, off, len, false);
    }

    /** @param arrived true for a frame that has just arrived (its operator's claim is proven now), false for one dispatched again */
    void onRequest(DirectBuffer buf, int off, int len, boolean arrived) {
        int src = buf.getInt(off + Frames.SRC_NODE);
        long call = buf.getLong(off + Frames.Q_CALL);
        int op = buf.getInt(off + Frames.Q_OP);
        try {
            int plen = payloadLength(op, buf, off, len);
            int at = off + Frames.Q_HEADER;
            Authority.Claim claim = op == OP_MIGRATE_CHUNK ? null : claimOf(buf, off, len);
            // Before anything else reads it: a request is acted on, held or forwarded only when its claim holds.
            if (arrived && op != OP_MIGRATE_CHUNK) k.authority.prove(claim, op, src, buf, off);
            // Requests for an incarnation (or its streams and ports) that is moving or has moved
            // are held until it has, or forwarded to where it is now (§7.4.3).
            if (k.migrator.intercept(src, call, op, buf, off, len, claim != null && claim.macAt() >= 0 && k.authority.requiresTokens())) return;
            // A create or an arrival for an RDC this node does not know to be allocated here: the
            // allocation may be newer than the node's copy, so it waits for the node to read it again.
            int first = op == OP_CREATE || op == OP_MIGRATE_INSTALL ? KernelCodec.subjectAt(op, buf, off + Frames.Q_HEADER, plen) : -1;
            if (first >= 0) {
                long target = buf.getLong(first); // Create's rdc, MigrateInstall's transfer (rdc-kernel.xml)
                if (k.placement.mustHold(op == OP_CREATE ? target : k.migrator.rdcOfArrival(target))) {
                    k.placement.holdUntilRead(buf, off, len);
                    return;
                }
            }
            acting = k.authority.accept(claim);
            KernelCodec.Incoming in = incoming;
            // The RDC or incarnation a governed operation is about starts its message's block (rdc-kernel.xml).
            int subject = KernelCodec.subjectAt(op, buf, at, plen);
            if (acting != null && op == OP_NODE_ACCEPT) checkNodeAccept();
            else if (acting != null && subject >= 0) checkAuthority(op, buf.getLong(subject));
            switch (op) {
                case OP_CREATE -> k.loader.onCreate(src, call, in.wrap(buf, at, plen, create));
                case OP_DESTROY -> {
                    DestroyDecoder d = in.wrap(buf, at, plen, destroy);
                    k.ghosts.onControl(src, call, op, d.incarnation(), d.arg());
                }
                case OP_FREEZE -> {
                    FreezeDecoder d = in.wrap(buf, at, plen, freeze);
                    k.ghosts.onControl(src, call, op, d.incarnation(), d.arg());
                }
                case OP_UNFREEZE -> {
                    UnfreezeDecoder d = in.wrap(buf, at, plen, unfreeze);
                    k.ghosts.onControl(src, call, op, d.incarnation(), d.arg());
                }
                case OP_STATUS -> k.ghosts.onStatus(src, call, in.wrap(buf, at, plen, statusQuery).incarnation());
                case OP_INTEREST -> k.ghosts.onInterest(src, call, in.wrap(buf, at, plen, interest));
                case OP_LOCATE -> k.router.onLocate(src, call, in.wrap(buf, at, plen, locate));
                case OP_SPACE_PUT -> k.space.onSpacePut(src, call, in.wrap(buf, at, plen, spacePut));
                case OP_SPACE_GET -> k.space.onSpaceGet(src, call, in.wrap(buf, at, plen, spaceGet));
                case OP_SPACE_RETURN -> k.space.onSpaceReturn(src, call, in.wrap(buf, at, plen, spaceReturn));
                case OP_SPACE_DELETE -> k.space.onSpaceDelete(src, call, in.wrap(buf, at, plen, spaceDelete));
                case OP_SPACE_PRINT -> k.space.onSpacePrint(src, call, in.wrap(buf, at, plen, spacePrint).rdc());
                case OP_NAME_REGISTER -> k.space.onNameRegister(src, call, in.wrap(buf, at, plen, nameRegister));
                case OP_NAME_LOOKUP -> k.space.onNameLookup(src, call, in.wrap(buf, at, plen, nameLookup));
                case OP_BUFFER_READ -> k.bufferHandles.onBufferRead(src, call, in.wrap(buf, at, plen, bufferRead));
                case OP_BUFFER_WRITE -> k.bufferHandles.onBufferWrite(src, call, in.wrap(buf, at, plen, bufferWrite));
                case OP_MODULE_FETCH -> k.loader.onModuleFetch(src, call, in.wrap(buf, at, plen, moduleFetch));
                case OP_BLUEPRINT -> k.loader.onBlueprint(src, call, in.wrap(buf, at, plen, blueprint).blueprint());
                case OP_IFACE -> k.ghosts.onIface(src, call, in.wrap(buf, at, plen, giveInterface));
                case OP_ACTIVATE -> k.reconfiguration.onActivate(src, call, in.wrap(buf, at, plen, activatePort));
                case OP_ATTACH -> k.reconfiguration.onAttach(src, call, in.wrap(buf, at, plen, attach));
                case OP_DETACH -> k.reconfiguration.onDetach(src, call, in.wrap(buf, at, plen, detach));
                case OP_REBIND_AT_RECEIVER -> k.reconfiguration.onRebindAtReceiver(src, call, in.wrap(buf, at, plen, rebindAtReceiver));
                case OP_REBIND_STREAM -> k.reconfiguration.onRebindStream(src, call, in.wrap(buf, at, plen, rebindStream));
                case OP_MIGRATE -> k.migrator.onMigrate(src, call, in.wrap(buf, at, plen, migrate));
                case OP_MIGRATE_PREPARE -> k.migrator.onPrepare(src, call, in.wrap(buf, at, plen, migratePrepare));
                case OP_MIGRATE_CHUNK -> k.migrator.onChunk(in.wrap(buf, at, plen, migrateChunk));
                case OP_MIGRATE_INSTALL -> k.migrator.onInstall(src, call, in.wrap(buf, at, plen, migrateInstall));
                case OP_MIGRATE_COMMIT -> k.migrator.onCommit(src, call, in.wrap(buf, at, plen, migrateCommit));
                case OP_MIGRATE_ABORT -> k.migrator.onAbort(src, call, in.wrap(buf, at, plen, migrateAbort).transfer());
                case OP_CHECKPOINT -> k.transplants.onCheckpoint(src, call, in.wrap(buf, at, plen, checkpoint));
                case OP_FORK -> k.transplants.onFork(src, call, in.wrap(buf, at, plen, fork));
                case OP_REPLACE -> k.transplants.onReplace(src, call, in.wrap(buf, at, plen, replace));
                case OP_DEPEND -> k.dependencies.onDepend(src, call, in.wrap(buf, at, plen, depend));
                case OP_WITHDRAW -> k.loader.onWithdraw(src, call, in.wrap(buf, at, plen, withdraw).why());
                case OP_NODE_ACCEPT -> k.loader.onNodeAccept(src, call, in.wrap(buf, at, plen, nodeAccept).accepting() != 0);
                case OP_CHANNEL_INFO -> k.router.onChannelInfo(src, call, in.wrap(buf, at, plen, channelInfo));
                // Answered in order after whatever the requester sent here before it: when a rebinding
                // has moved a stream's messages here, they have all arrived once this is answered.
                case OP_ROUTE_BARRIER -> {
                    in.wrap(buf, at, plen, routeBarrier);
                    k.publisher.respond(src, call, Frames.OK, null);
                }
                case OP_IFACE_HANDLE -> k.ghosts.onIfaceHandle(src, call, in.wrap(buf, at, plen, interfaceHandle));
                case OP_FREEZE_STREAM -> k.reconfiguration.onFreezeStream(src, call, in.wrap(buf, at, plen, freezeStream));
                case OP_SNAPSHOT -> k.ghosts.onSnapshot(src, call, in.wrap(buf, at, plen, snapshot).incarnation());
                case OP_LIST -> k.ghosts.onList(src, call, in.wrap(buf, at, plen, list).rdc());
                case OP_NODE_STATUS -> k.nodeLoad.onNodeStatus(src, call, in.wrap(buf, at, plen, nodeStatusQuery));
                default -> k.publisher.respondError(src, call, "unknown kernel operation " + op);
            }
        } catch (KernelCodec.Unreadable e) {
            refused("request " + op + " from node " + src, e.getMessage());
            k.publisher.respondError(src, call, "node " + k.nodeId + " cannot read this request: " + e.getMessage());
        } catch (RuntimeException e) {
            k.publisher.respondError(src, call, e.getMessage() == null ? e.toString() : e.getMessage());
        } finally {
            acting = null;
        }
    }

    /** The operator making the request being dispatched (null: an incarnation or a kernel); kernel thread only. */
    Authority.Acting acting;

    /** A request's payload ends where its operator trailer starts (a migration chunk has none: its frames are laid out in place). */
    private static int payloadLength(int op, DirectBuffer buf, int off, int len) {
        if (op == OP_MIGRATE_CHUNK) return len - Frames.Q_HEADER;
        int trailer = trailerLength(buf, off, len);
        return len - Frames.Q_HEADER - Authority.TRAILER_LENGTH_BYTES - trailer;
    }

    private static int trailerLength(DirectBuffer buf, int off, int len) {
        if (len < Frames.Q_HEADER + Authority.TRAILER_LENGTH_BYTES) throw new OperationException("a request without its operator trailer");
        int trailer = buf.getShort(off + len - Authority.TRAILER_LENGTH_BYTES) & 0xFFFF;
        if (trailer > len - Frames.Q_HEADER - Authority.TRAILER_LENGTH_BYTES) throw new OperationException("a request's operator trailer is longer than the request");
        return trailer;
    }

    private static Authority.Claim claimOf(DirectBuffer buf, int off, int len) {
        int trailer = trailerLength(buf, off, len);
        return trailer == 0 ? null : Authority.Claim.decode(buf, off, off + len - Authority.TRAILER_LENGTH_BYTES - trailer, trailer);
    }

    /**
     * The operations an operator's authority over an RDC governs (issue 20): list, status,
     * snapshot, create, freeze, destroy, migrate, checkpoint (and fork, which copies state out);
     * watching an incarnation's events, reading and writing its buffers, and fetching an RDC's
     * module code. The RDC is the one the request names, or the target incarnation's (a buffer's:
     * its owner's); list of every RDC is filtered instead ({@link Ghosts#onList}).
     */
    private void checkAuthority(int op, long first) { // first: the RDC (create, list) or the incarnation (the rest)
        String what = switch (op) {
            case OP_CREATE -> "create";
            case OP_LIST -> "list";
            case OP_STATUS -> "status";
            case OP_SNAPSHOT -> "snapshot";
            case OP_FREEZE -> "freeze";
            case OP_UNFREEZE -> "unfreeze";
            case OP_DESTROY -> "destroy";
            case OP_MIGRATE -> "migrate";
            case OP_CHECKPOINT -> "checkpoint";
            case OP_FORK -> "fork";
            case OP_REPLACE -> "replace";
            case OP_INTEREST -> "watch";
            case OP_BUFFER_READ -> "buffer read";
            case OP_BUFFER_WRITE -> "buffer write";
            case OP_MODULE_FETCH -> "module fetch";
            default -> null;
        };
        if (what == null) return;
        if (op == OP_CREATE || op == OP_LIST || op == OP_MODULE_FETCH) {
            if (op == OP_LIST && first == 0) return; // every RDC: filtered per RDC
            k.authority.check(acting, first, what);
            return;
        }
        Incarnation inc = k.incarnations.get(first);
        if (inc != null) k.authority.check(acting, inc.rdcId, what + " of " + inc.name);
    }

    /**
     * Closing or opening a node to new incarnations changes what every RDC with guests here can do
     * (create here, migrate here): an operator may only when it has authority over each of them.
     * Guests of RDCs this node has never heard an operator of (made here by other incarnations) are
     * passed over: the node cannot tell whose they are, and refusing would stop their own operators too.
     */
    private void checkNodeAccept() {
        for (Incarnation inc : k.incarnations.values())
            if (!inc.pseudo && !inc.destroyed && k.authority.ownerOf(inc.rdcId) != null)
                k.authority.check(acting, inc.rdcId, "closing or opening node " + k.nodeId() + " (it holds " + inc.name + ")");
    }

    void onEvent(DirectBuffer buf, int off, int len) {
        EventNoteDecoder d = incoming.wrap(buf, off + Frames.EVENT_HEADER, len - Frames.EVENT_HEADER, eventNote);
        long watcher = d.watcher(), subject = d.subject(), at = d.atMillis();
        Event.Type type = Event.Type.values()[d.eventType()];
        String name = KernelCodec.orNull(d.subjectName());
        String detail = KernelCodec.orNull(d.detail());
        k.ghosts.deliverEvent(watcher, new Event(type, subject, name, detail, at));
    }
}
