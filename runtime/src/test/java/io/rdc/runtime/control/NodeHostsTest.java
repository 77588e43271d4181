package io.rdc.runtime.control;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The coordinator's hosts file: SR's network-pathname templates, and the commands they make. */
class NodeHostsTest {

    @Test
    void aRemoteHostStartsItsNodeOverSshWithItsPathsFilledIn() {
        NodeHosts h = NodeHosts.parse(List.of("# where nodes may start", "host local",
                "host lab2 via ssh ann@10.0.0.2 port 2222 identity /k/id option StrictHostKeyChecking=no install /opt/{host}/rdc work /tmp/rdc-{host}-{node} key /etc/rdc/pool.key"),
                "hosts.txt");
        assertEquals(List.of("local", "lab2"), h.names());
        NodeHosts.Host lab2 = h.byName("lab2");
        assertTrue(lab2.remote());
        assertEquals("/etc/rdc/pool.key", lab2.path(lab2.key(), 1001));
        List<String> cmd = lab2.command(1001, List.of("java", "-cp", "x"), List.of("node", "start", "--name", "it's"));
        assertEquals(List.of("ssh", "-o", "BatchMode=yes", "-p", "2222", "-i", "/k/id", "-o", "StrictHostKeyChecking=no", "ann@10.0.0.2",
                "mkdir -p '/tmp/rdc-lab2-1001' && cd '/tmp/rdc-lab2-1001' && exec '/opt/lab2/rdc' 'node' 'start' '--name' 'it'\\''s'"), cmd);
        assertEquals(List.of("java", "-cp", "x", "node", "start"), h.byName("local").command(1001, List.of("java", "-cp", "x"), List.of("node", "start")),
                "a local host runs the launcher itself, no ssh");
    }

    @Test
    void badLinesAreErrorsNamingTheLine() {
        assertEquals("h:2: host b is reached by ssh: give 'install PATH' (the rdc launcher there, e.g. /opt/rdc/{host}/rdc)",
                assertThrows(IllegalArgumentException.class, () -> NodeHosts.parse(List.of("host a", "host b via ssh b"), "h")).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> NodeHosts.parse(List.of("host a colour red"), "h")).getMessage()
                .startsWith("h:1: unknown word 'colour'"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> NodeHosts.parse(List.of("host a port 99999 via ssh a install /x"), "h")).getMessage()
                .contains("port must be 1 to 65535"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> NodeHosts.parse(List.of("host a", "host a"), "h")).getMessage().contains("listed twice"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> NodeHosts.parse(List.of("# nothing"), "h")).getMessage().contains("no 'host' line"));
    }
}
