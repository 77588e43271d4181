package io.rdc.runtime.transport;

import org.agrona.DirectBuffer;

/** The bytes of a request, response or event body, from offset 0: what a kernel frame carries after its header. */
public interface Payload {
    DirectBuffer buffer();

    int length();
}
