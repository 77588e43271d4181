package io.rdc.runtime.control;

import io.rdc.runtime.control.codecs.DescriptorDecoder;
import io.rdc.runtime.control.codecs.DescriptorEncoder;
import io.rdc.runtime.control.codecs.MessageHeaderDecoder;
import io.rdc.runtime.ref.RefDescriptor;
import io.rdc.runtime.ref.RefKind;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.agrona.DirectBuffer;

/** What the client and the service share about the SBE messages of rdc-control.xml. */
final class ControlCodec {
    private ControlCodec() {}

    /** Every request's block starts with clientId then seq; every response's with seq. */
    static final int REQUEST_CLIENT_OFFSET = MessageHeaderDecoder.ENCODED_LENGTH;
    static final int REQUEST_SEQ_OFFSET = REQUEST_CLIENT_OFFSET + 8;
    static final int RESPONSE_SEQ_OFFSET = MessageHeaderDecoder.ENCODED_LENGTH;

    static long requestClient(DirectBuffer b, int offset) {
        return b.getLong(offset + REQUEST_CLIENT_OFFSET, ByteOrder.LITTLE_ENDIAN);
    }

    static long requestSeq(DirectBuffer b, int offset) {
        return b.getLong(offset + REQUEST_SEQ_OFFSET, ByteOrder.LITTLE_ENDIAN);
    }

    static long responseSeq(DirectBuffer b, int offset) {
        return b.getLong(offset + RESPONSE_SEQ_OFFSET, ByteOrder.LITTLE_ENDIAN);
    }

    static void put(DescriptorEncoder e, RefDescriptor d) {
        e.kind((short) d.kind().ordinal()).gid(d.gid()).channel(d.channel()).addr(d.addr()).rights(d.rights())
                .noFurther((short) (d.noFurther() ? 1 : 0)).extra(d.extra());
    }

    static RefDescriptor get(DescriptorDecoder d) {
        return new RefDescriptor(RefKind.of(d.kind()), d.gid(), d.channel(), d.addr(), d.rights(), d.noFurther() != 0, d.extra());
    }

    static short flag(boolean b) {
        return (short) (b ? 1 : 0);
    }

    /** A list as text: one item a line (group names and attribute keys hold no newline). */
    static String lines(List<String> items) {
        return String.join("\n", items);
    }

    static List<String> lines(String text) {
        return text.isEmpty() ? List.of() : List.of(text.split("\n", -1));
    }

    /** A map as text: "key\tvalue" lines, sorted by key (NodeInfo's Map.copyOf has no stable order across JVMs). */
    static String pairs(Map<String, String> map) {
        List<String> out = new ArrayList<>(map.size());
        for (Map.Entry<String, String> e : new TreeMap<>(map).entrySet()) out.add(e.getKey() + "\t" + e.getValue());
        return lines(out);
    }

    static Map<String, String> pairs(String text) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String l : lines(text)) {
            int tab = l.indexOf('\t');
            if (tab < 0) out.put(l, "");
            else out.put(l.substring(0, tab), l.substring(tab + 1));
        }
        return out;
    }
}
