package io.rdc.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Issue 18: ids written as JSON numbers (201.10) were read back as another incarnation (201.1). */
class JsonViewsTest {

    @Test
    void idsAreStringsAndCountsStayNumbers() {
        String table = "ID      NAME  NODE  PARENT  QUEUED\n"
                     + "201.10  w     201   201.1   3\n";
        assertEquals("{\"view\": \"incarnations\", \"rows\": [{\"id\": \"201.10\", \"name\": \"w\", \"node\": 201, \"parent\": \"201.1\", \"queued\": 3}]}",
                JsonViews.toJson("incarnations", table));
    }
}
