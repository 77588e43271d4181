package io.rdc.runtime.kernel;

import io.rdc.runtime.kernel.codec.FailureDecoder;
import io.rdc.runtime.kernel.codec.FailureEncoder;
import io.rdc.runtime.kernel.codec.MessageHeaderDecoder;
import io.rdc.runtime.kernel.codec.MessageHeaderEncoder;
import io.rdc.runtime.transport.Payload;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.sbe.MessageDecoderFlyweight;
import org.agrona.sbe.MessageEncoderFlyweight;

/**
 * Framing of the messages between kernels, whose layouts the SBE schema src/main/sbe/rdc-kernel.xml
 * defines (codecs generated at build time into io.rdc.runtime.kernel.codec): a header naming schema,
 * template and version, then the message. Writing goes through {@link Outgoing}, reading through
 * {@link Incoming}, which refuses what this node cannot read with a clear {@link Unreadable} error.
 */
final class KernelCodec {
    private KernelCodec() {}

    static final int SCHEMA_ID = MessageHeaderDecoder.SCHEMA_ID;
    /** The version this node writes. */
    static final int VERSION = MessageHeaderDecoder.SCHEMA_VERSION;
    /** The oldest version it reads: before version 1, kernel messages had no header (hand-written field by field). */
    static final int OLDEST_VERSION = 1;
    static final int HEADER = MessageHeaderDecoder.ENCODED_LENGTH;
    /** A failure message longer than a text field holds is cut (its start says what went wrong). */
    static final int MAX_TEXT = 65_534;

    /** A message this node cannot read: another schema, an unknown template, a version too old, or shorter than it claims. */
    static final class Unreadable extends OperationException {
        Unreadable(String message) {
            super(message);
        }
    }

    /** A message being written; reusable by one thread at a time (its buffer grows as needed). */
    static final class Outgoing implements Payload {
        private final ExpandableArrayBuffer buffer;
        private final MessageHeaderEncoder header = new MessageHeaderEncoder();
        private MessageEncoderFlyweight message;

        Outgoing() {
            this(128);
        }

        Outgoing(int initialCapacity) {
            buffer = new ExpandableArrayBuffer(initialCapacity);
        }

        /** Starts a message: writes its header and wraps {@code encoder} after it, for its fields to be set. */
        <E extends MessageEncoderFlyweight> E begin(E encoder) {
            header.wrap(buffer, 0).blockLength(encoder.sbeBlockLength()).templateId(encoder.sbeTemplateId())
                    .schemaId(encoder.sbeSchemaId()).version(encoder.sbeSchemaVersion());
            encoder.wrap(buffer, HEADER);
            message = encoder;
            return encoder;
        }

        @Override
        public DirectBuffer buffer() {
            return buffer;
        }

        /** Header and message as written so far (the encoder must not be re-wrapped before this is sent). */
        @Override
        public int length() {
            return HEADER + message.encodedLength();
        }

        byte[] toBytes() {
            byte[] out = new byte[length()];
            buffer.getBytes(0, out);
            return out;
        }
    }

    /** Reads messages; one per reading thread (the kernel thread's lives in the adapter). */
    static final class Incoming {
        private final MessageHeaderDecoder header = new MessageHeaderDecoder();
        /** The message alone: a length a field claims beyond it fails the bounds check, not somewhere in the term buffer. */
        private final UnsafeBuffer view = new UnsafeBuffer(0, 0);

        /**
         * Wraps {@code decoder} over the message in {@code [off, off + len)} after checking its header;
         * throws {@link Unreadable} saying why when this node cannot read it.
         */
        <D extends MessageDecoderFlyweight> D wrap(DirectBuffer buf, int off, int len, D decoder) {
            String why = refusal(buf, off, len, decoder.sbeTemplateId());
            if (why != null) throw new Unreadable(why);
            view.wrap(buf, off, len);
            header.wrap(view, 0);
            decoder.wrap(view, HEADER, header.blockLength(), header.version());
            return decoder;
        }

        /** The template of the message in {@code [off, off + len)}, or -1 when it has no header of this schema. */
        int templateOf(DirectBuffer buf, int off, int len) {
            if (len < HEADER) return -1;
            header.wrap(buf, off);
            return header.schemaId() == SCHEMA_ID ? header.templateId() : -1;
        }

        private String refusal(DirectBuffer buf, int off, int len, int template) {
            if (len < HEADER) return "a kernel message of " + len + " bytes, shorter than its header (an rdc older than kernel schema version " + OLDEST_VERSION + "?)";
            header.wrap(buf, off);
            int schema = header.schemaId(), version = header.version(), got = header.templateId(), block = header.blockLength();
            if (schema != SCHEMA_ID) return "a message of schema " + schema + ", not the kernel schema " + SCHEMA_ID + " (an rdc older than kernel schema version " + OLDEST_VERSION + "?)";
            if (version < OLDEST_VERSION) return "a kernel message of schema version " + version + "; this node reads versions " + OLDEST_VERSION + " and later";
            if (got != template) return "kernel message template " + got + " where template " + template + " was expected (schema version " + version + ")";
            if (HEADER + block > len) return "kernel message template " + got + " claims a block of " + block + " bytes in " + (len - HEADER);
            return null;
        }
    }

    /**
     * Where the RDC, incarnation, stream or port a request is about lies in its frame (the first field
     * of its message's block: rdc-kernel.xml), for the adapter's authority check and the migrator's
     * forwarding, which look before decoding; -1 when the request is too short to hold it.
     */
    static int subjectAt(int op, DirectBuffer buf, int at, int len) {
        if (len >= HEADER + 8 && buf.getShort(at + 4) == (short) SCHEMA_ID && (buf.getShort(at + 2) & 0xFFFF) == op) return at + HEADER;
        return len >= 8 ? at : -1; // an operation still in the hand-written format
    }

    /** Whether a uint32-length field claiming {@code claimed} bytes fits in what is left of the message. */
    static boolean holds(MessageDecoderFlyweight d, int claimed) {
        return claimed >= 0 && claimed <= d.buffer().capacity() - d.encodedLength() - d.offset() - 4;
    }

    /** Checks that a uint32-length field claiming {@code claimed} bytes fits in what is left of the message, before anything is allocated for it. */
    static int fits(MessageDecoderFlyweight d, int claimed) {
        if (!holds(d, claimed))
            throw new Unreadable("a kernel message field claims " + (claimed & 0xFFFF_FFFFL) + " bytes, more than its frame holds");
        return claimed;
    }

    /** A text field that may be absent: written as empty, read back as null (kernel messages never need the empty text where null may be). */
    static String orNull(String text) {
        return text == null || text.isEmpty() ? null : text;
    }

    /** A field read only to move past it (its message says it is absent): null. */
    static String skip(String read) {
        return null;
    }

    /** A failure response saying why. */
    static Outgoing failure(Outgoing out, String message) {
        String m = message == null ? "failed" : message;
        out.begin(new FailureEncoder()).message(m.length() > MAX_TEXT / 3 ? m.substring(0, MAX_TEXT / 3) : m);
        return out;
    }

    /** The reason a failure response gives (a payload that is not a failure message says so). */
    static String failureOf(byte[] payload) {
        if (payload == null || payload.length == 0) return "failed";
        try {
            return new Incoming().wrap(new UnsafeBuffer(payload), 0, payload.length, new FailureDecoder()).message();
        } catch (RuntimeException e) {
            return "failed (" + e.getMessage() + ")";
        }
    }
}
