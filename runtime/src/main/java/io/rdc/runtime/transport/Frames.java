package io.rdc.runtime.transport;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * Layouts of the kernel messages that cross Aeron (§8.4.1: a delivery header, a fixed-size function
 * header, optional extra data). Every frame starts with a type byte and the sending node's id; the
 * rest is at fixed offsets so that the hot path (DATA, ACK, REPLY) encodes and decodes without
 * allocation, in the style of Agrona flyweights.
 */
public final class Frames {
    private Frames() {}

    // ---- frame types
    public static final byte DATA = 1;     // an invocation message to a channel (send/asinvoke/invoke/dgram)
    public static final byte ACK = 2;      // cumulative acknowledgement of a stream's messages, carries the final port address
    public static final byte REPLY = 3;    // the reply to an invoke
    public static final byte REQUEST = 4;  // a kernel-to-kernel request (loader, ghost, stream space, name service)
    public static final byte RESPONSE = 5; // its response
    public static final byte EVENT = 6;    // an event notification to an interested incarnation

    // ---- common header
    public static final int TYPE = 0;          // byte
    public static final int FLAGS = 1;         // byte
    public static final int SHORT_FIELD = 2;   // short (DATA: head length; ACK/RESPONSE: status)
    public static final int SRC_NODE = 4;      // int

    // ---- DATA
    public static final int D_STREAM = 8;      // long: sending stream's global id (0 for operator-less kernel sends)
    public static final int D_SEQ = 16;        // long: per-stream sequence number, from 1
    public static final int D_CHANNEL = 24;    // long: destination channel
    public static final int D_PORT = 32;       // long: destination kernel port address, 0 = logical (by channel)
    public static final int D_INVOKE = 40;     // long: invocation id awaiting a reply, 0 for none
    public static final int D_REPLY_NODE = 48; // int: node where the invoker waits
    public static final int D_BODY_LEN = 52;   // int
    public static final int D_REF_LEN = 56;    // int: length of the encoded propagated reference, 0 for none
    public static final int D_HOPS = 60;       // int: redirections followed so far
    public static final int D_EPOCH = 64;      // long: the stream's binding epoch the frame belongs to (bumped by each rebinding)
    public static final int D_HEADER = 72;     // head bytes, then body bytes, then reference bytes

    // DATA flags: the primitive in the low bits, then modifiers
    public static final int KIND_MASK = 0x7;
    public static final int KIND_SEND = 1, KIND_ASINVOKE = 2, KIND_INVOKE = 3, KIND_DGRAM = 4;
    public static final int F_MULTICAST = 0x10;
    public static final int F_FORWARDED = 0x20;

    // ---- ACK (also a negative acknowledgement when status != OK)
    public static final int A_STREAM = 8;      // long
    public static final int A_SEQ = 16;        // long: highest sequence acknowledged (cumulative) or refused
    public static final int A_PORT = 24;       // long: the port that took it (the final address after redirection)
    public static final int A_CHANNEL = 32;    // long: the channel under which it took it (changes on rebinding)
    public static final int A_LEN = 40;

    // ---- REPLY
    public static final int R_INVOKE = 8;      // long
    public static final int R_BODY_LEN = 16;   // int
    public static final int R_REF_LEN = 20;    // int
    public static final int R_PORT = 24;       // long: the port that received the invocation
    public static final int R_HEADER = 32;     // head, body, reference

    // ---- REQUEST / RESPONSE
    public static final int Q_CALL = 8;        // long: call id chosen by the requester
    public static final int Q_OP = 16;         // int: operation code (request) or status (response)
    public static final int Q_HEADER = 20;     // then the body: a message of the kernel schema (src/main/sbe/rdc-kernel.xml)

    // ---- EVENT
    public static final int EVENT_HEADER = 8;  // then the event, a message of the kernel schema

    // ---- status codes
    public static final int OK = 0;
    public static final int NO_PORT = 1;
    public static final int FAILED = 2;
    public static final int UNREACHABLE = 3;
    /**
     * ACK of a multicast message at a node where the group has no member: the sender learns at once
     * that a group is empty when every node it reached says so (issue 14), instead of 10 s later.
     */
    public static final int NO_MEMBER = 5;

    public static byte type(DirectBuffer b, int off) {
        return b.getByte(off + TYPE);
    }

    public static int srcNode(DirectBuffer b, int off) {
        return b.getInt(off + SRC_NODE);
    }

    public static void putHeaderTo(MutableDirectBuffer b, byte type, int flags, int shortField, int srcNode) {
        b.putByte(TYPE, type);
        b.putByte(FLAGS, (byte) flags);
        b.putShort(SHORT_FIELD, (short) shortField);
        b.putInt(SRC_NODE, srcNode);
    }

    /**
     * Why a received frame cannot be decoded, or null: its fixed header must fit, and the lengths it
     * claims must fit in its own length, checked before anything is allocated from them (issue 21: one
     * 80-byte frame claiming a 1.5 GB body made the kernel allocate it). Requests, responses and events
     * carry messages of the kernel schema, read through kernel.KernelCodec, which checks their header and
     * reads them through a view of exactly their bytes.
     */
    public static String malformed(DirectBuffer b, int off, int len) {
        if (len < 8) return "shorter than the common header (" + len + " bytes)";
        return switch (b.getByte(off + TYPE)) {
            case DATA -> {
                if (len < D_HEADER) yield "DATA of " + len + " bytes, shorter than its header";
                long claimed = (long) (b.getShort(off + SHORT_FIELD) & 0xFFFF) + b.getInt(off + D_BODY_LEN) + b.getInt(off + D_REF_LEN);
                yield b.getInt(off + D_BODY_LEN) < 0 || b.getInt(off + D_REF_LEN) < 0 || claimed > len - D_HEADER
                        ? "DATA of " + len + " bytes claims " + claimed + " bytes of head, body and reference" : null;
            }
            case ACK -> len < A_LEN ? "ACK of " + len + " bytes, shorter than an ACK" : null;
            case REPLY -> {
                if (len < R_HEADER + 4) yield "REPLY of " + len + " bytes, shorter than its header";
                int hl = b.getInt(off + R_HEADER), bl = b.getInt(off + R_BODY_LEN), rl = b.getInt(off + R_REF_LEN);
                long claimed = (long) hl + bl + rl;
                yield hl < 0 || bl < 0 || rl < 0 || claimed > len - R_HEADER - 4
                        ? "REPLY of " + len + " bytes claims " + claimed + " bytes of head, body and reference" : null;
            }
            case REQUEST, RESPONSE -> len < Q_HEADER ? typeName(b.getByte(off + TYPE)) + " of " + len + " bytes, shorter than its header" : null;
            case EVENT -> null;
            default -> "unknown frame type " + b.getByte(off + TYPE);
        };
    }

    public static String typeName(int t) {
        return switch (t) {
            case DATA -> "DATA";
            case ACK -> "ACK";
            case REPLY -> "REPLY";
            case REQUEST -> "REQUEST";
            case RESPONSE -> "RESPONSE";
            case EVENT -> "EVENT";
            default -> "type" + t;
        };
    }
}
