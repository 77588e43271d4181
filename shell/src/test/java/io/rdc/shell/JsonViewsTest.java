package io.rdc.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Issue 18: ids written as JSON numbers (201.10) were read back as another incarnation (201.1). */
class JsonViewsTest {

    @Test
    void idsAreStringsAndCountsStayNumbers() {
        String table = "ID      NAME  NODE  PARENT  QUEUED\n"
                     + "201.10  w     201   201.1   3\n";
        assertEquals("{\"view\": \"incarnations\", \"rows\": [{\"id\": \"201.10\", \"name\": \"w\", \"node\": \"201\", \"parent\": \"201.1\", \"queued\": 3}]}",
                JsonViews.toJson("incarnations", table));
    }

    /** Read back by a real JSON parser, 201.10 stays 201.10 (a number would come back as 201.1). */
    @Test
    void aJsonParserReadsTheIdsBackAsTheyWere() throws Exception {
        String table = "NAME  ID      MODULE  NODE  STATE      QUEUED  HANDLER TIME\n"
                     + "w     201.10  worker  201   EXECUTING  0       0.2 ms\n"
                     + "v     201.1   worker  202   EXECUTING  12      1.0 ms\n";
        var rows = new com.fasterxml.jackson.databind.ObjectMapper().readTree(JsonViews.toJson("incarnations", table)).get("rows");
        assertEquals("201.10", rows.get(0).get("id").textValue());
        assertEquals("201.1", rows.get(1).get("id").textValue());
        assertEquals("202", rows.get(1).get("node").textValue());
        assertEquals(12, rows.get(1).get("queued").intValue());
    }

    /** {@code rdc pool status --json}: node and RDC ids are strings too. */
    @Test
    void poolStatusJsonWritesIdsAsStrings() throws Exception {
        var node = new io.rdc.runtime.node.NodeInfo(201, "node1", java.util.List.of("all"), "std", java.util.Map.of("endpoint", "127.0.0.1:20201"));
        var members = java.util.List.of(new io.rdc.runtime.kernel.ControlPlane.Member(node, false, 9000, 0.5, 3, false));
        var rdcs = java.util.List.of(new io.rdc.runtime.kernel.ControlPlane.RdcRecord(io.rdc.runtime.kernel.Ids.make(201, 10), "textproc", "op", "RUNNING", false));
        var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(PoolCommand.statusJson("127.0.0.1:9010", members, rdcs));
        assertEquals("201", json.get("nodes").get(0).get("id").textValue());
        assertEquals("UNREACHABLE", json.get("nodes").get(0).get("state").textValue());
        assertEquals("201.10", json.get("rdcs").get(0).get("id").textValue());
        assertEquals(3, json.get("nodes").get(0).get("incarnations").intValue());
    }

    /** Module versions stay strings (an all-digit hash would otherwise be a number), and a note below the table is a note, not a row. */
    @Test
    void versionsAreStringsAndNotesAreNotRows() throws Exception {
        String table = "NAME  ID     MODULE   VERSION   NODE\n"
                     + "w[1]  201.3  worker2  12345678  201\n"
                     + "w[2]  201.4  worker   0a0b0c0d  202\n"
                     + "\n"
                     + "mixed versions in family w: worker2@12345678 (1), worker@0a0b0c0d (1)\n";
        var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(JsonViews.toJson("incarnations", table));
        assertEquals(2, json.get("rows").size());
        assertEquals("12345678", json.get("rows").get(0).get("version").textValue());
        assertEquals("mixed versions in family w: worker2@12345678 (1), worker@0a0b0c0d (1)", json.get("notes").get(0).textValue());
    }
}
