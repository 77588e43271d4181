package io.rdc.shell;

import static org.junit.jupiter.api.Assertions.*;

import io.rdc.interpreter.runtime.RuntimeOperations;
import io.rdc.runtime.kernel.Ids;
import io.rdc.runtime.kernel.Kernel;
import io.rdc.runtime.pool.PoolConfig;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * The live web view in a real browser (Debian's chromium, headless, driven by chromium-driver):
 * the text-processing RDC runs on an embedded pool of 4 nodes, the shell's {@code web} statement
 * serves the view on a free port, and the page is watched while the pool changes under it.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class WebViewTest {
    static final Path CHROMIUM = Path.of("/usr/bin/chromium"), CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

    static RuntimeOperations ops;
    static Shell shell;
    static ChromeDriver browser;
    static final ByteArrayOutputStream output = new ByteArrayOutputStream();
    static Object loadedAt;

    @BeforeAll
    static void textprocAndAPage() throws Exception {
        if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(CHROMEDRIVER))
            fail("rdc web's browser test needs Debian's chromium and chromium-driver (" + CHROMIUM + ", " + CHROMEDRIVER
                    + "): apt-get install chromium chromium-driver (CI's .ci/run installs them)");
        ops = RuntimeOperations.start(PoolConfig.defaults().withControl(PoolConfig.EMBEDDED_CONTROL));
        Path history = Files.createTempFile("rdc-web-history", "");
        history.toFile().deleteOnExit();
        shell = new Shell(ops, new Shell.Settings(false, false, history, false), output);
        run("use \"" + ShellHarness.TEXTPROC.resolve("textproc.rdc") + "\"");
        String said = run("web 0");
        Matcher m = Pattern.compile("http://127\\.0\\.0\\.1:\\d+/").matcher(said);
        assertTrue(m.find(), "web names the page's address: " + said);

        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1500,950");
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
        browser = new ChromeDriver(service, options);
        browser.get(m.group());
        loadedAt = js("return window.rdcPageLoadedAt");
        assertNotNull(loadedAt, "the page's script ran");
    }

    @AfterAll
    static void end() {
        try {
            if (browser != null) browser.quit(); // chromium and chromedriver end with it
        } finally {
            if (shell != null) shell.close(); // stops the web server
            if (ops != null) ops.close();
        }
    }

    /** One shell input through the shell's own engine; returns what it printed. */
    static String run(String input) {
        int from = output.size();
        assertTrue(shell.execute(input, null), () -> input + " failed: " + output.toString(StandardCharsets.UTF_8).substring(from));
        return output.toString(StandardCharsets.UTF_8).substring(from);
    }

    static Object js(String script, Object... args) {
        return ((JavascriptExecutor) browser).executeScript(script, args);
    }

    /** Whether the condition held before the limit passed (a check that ends after it does not count). */
    static boolean within(Duration limit, BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + limit.toNanos();
        while (true) {
            boolean held = condition.getAsBoolean();
            if (System.nanoTime() > end) return false;
            if (held) return true;
            Thread.sleep(50);
        }
    }

    /** The node (id) whose list holds the incarnation named {@code name} on the page, or null. */
    static String listedAt(String name) {
        // in one script: the page redraws its lists whenever the pool changes
        return (String) js("const li = document.querySelector(`.inc[data-inc-name='${arguments[0]}']`);"
                + "return li ? li.closest('.node').dataset.nodeId : null;", name);
    }

    /** The node the graph draws the incarnation's box in ("n203"), or null when there is no box. */
    static String drawnIn(String name) {
        return (String) js("const n = window.rdcCy.nodes('.incarnation').filter(e => e.data('name') === arguments[0]);"
                + "return n.empty() ? null : n.parent().id();", name);
    }

    static Kernel.Listed byName(String name) {
        return ops.operator().kernel().list(0).stream().filter(l -> l.name().equals(name)).findFirst().orElseThrow();
    }

    @Test
    @Order(1)
    void thePageListsTheFourNodesAndEveryIncarnation() throws Exception {
        List<Kernel.Listed> all = ops.operator().kernel().list(0);
        assertTrue(all.size() >= 7, "textproc made a manager, a scheduler, a spooler and 4 workers: " + all);
        assertTrue(within(Duration.ofSeconds(10), () -> browser.findElements(By.cssSelector("#nodes .node")).size() == 4
                        && all.stream().allMatch(l -> String.valueOf(l.node()).equals(listedAt(l.name())))),
                () -> "4 nodes and every incarnation at its node: " + browser.findElement(By.id("nodes")).getText());
        for (String id : List.of("201", "202", "203", "204"))
            assertEquals(1, browser.findElements(By.cssSelector(".node[data-node-id='" + id + "']")).size(), "node " + id);
        for (Kernel.Listed l : all) {
            assertEquals("n" + l.node(), drawnIn(l.name()), l.name() + "'s box sits in its node's box in the graph");
            assertEquals(1, browser.findElements(By.cssSelector(".inc[data-inc-id='" + Ids.show(l.gid()) + "']")).size(),
                    "the page knows " + l.name() + " by its id as a string");
        }
        Number channels = (Number) js("return window.rdcCy.nodes('.channel').length");
        assertTrue(channels.intValue() >= 3, "scheduler, printer1 and report are drawn as channels: " + channels);
        Number edges = (Number) js("return window.rdcCy.edges().length");
        assertTrue(edges.intValue() >= 9, "streams and ports are drawn as edges: " + edges);
    }

    @Test
    @Order(2)
    void aMigrationFromAScriptMovesTheBoxWithinTwoSecondsWithoutAReload() throws Exception {
        Kernel.Listed w = byName("worker1");
        int to = w.node() == 203 ? 202 : 203;
        Path script = Files.createTempFile("rdc-web-migrate", ".rdc");
        script.toFile().deleteOnExit();
        Files.writeString(script, "migrate incarnation(\"worker1\") to node " + to + "\n");
        run("use \"" + script + "\"");
        long moved = System.nanoTime();
        boolean shown = within(Duration.ofSeconds(2), () -> String.valueOf(to).equals(listedAt("worker1")) && ("n" + to).equals(drawnIn("worker1")));
        long tookMs = (System.nanoTime() - moved) / 1_000_000;
        assertTrue(shown, "worker1 shown at node " + to + " within 2 s of its migration (after " + tookMs + " ms it is listed at "
                + listedAt("worker1") + ", drawn in " + drawnIn("worker1") + ")");
        System.out.println("web view: worker1 shown at node " + to + " " + tookMs + " ms after the migrate statement returned (the page's last drawing took "
                + js("return Math.round(window.rdcRenderMillis)") + " ms)");
        assertEquals(loadedAt, js("return window.rdcPageLoadedAt"), "the page was not reloaded");
        assertEquals(0L, js("return performance.getEntriesByType('resource').filter(e => e.name.includes('/api/model')).length"),
                "the page does not poll the model");
        assertTrue(within(Duration.ofSeconds(2), () -> browser.findElement(By.id("log")).getText().contains("worker1")
                        && browser.findElement(By.id("log")).getText().contains("migrated from node " + w.node() + " to node " + to)),
                () -> "the event log says so: " + browser.findElement(By.id("log")).getText());
    }

    @Test
    @Order(3)
    void anIncarnationDestroyedFromTheShellDisappears() throws Exception {
        assertNotNull(listedAt("worker2"));
        run("destroy incarnation(\"worker2\")");
        assertTrue(within(Duration.ofSeconds(5), () -> listedAt("worker2") == null && drawnIn("worker2") == null),
                "worker2 is gone from the page and the graph");
        assertNotNull(listedAt("worker3"), "the others stay");
        assertEquals(loadedAt, js("return window.rdcPageLoadedAt"), "still no reload");
    }

    @Test
    @Order(4)
    void clickingAnIncarnationShowsWhatInspectShows() throws Exception {
        // The list is redrawn on every change (a look may land between finding the box and clicking it): find it again then.
        long until = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (true) {
            try {
                browser.findElement(By.cssSelector(".inc[data-inc-name='scheduler']")).click();
                break;
            } catch (org.openqa.selenium.StaleElementReferenceException redrawn) {
                if (System.nanoTime() > until) throw redrawn;
            }
        }
        assertTrue(within(Duration.ofSeconds(5), () -> browser.findElement(By.id("detail")).getText().contains("module scheduler")),
                () -> "the detail panel: " + browser.findElement(By.id("detail")).getText());
        String detail = browser.findElement(By.id("detail")).getText();
        assertTrue(detail.matches("(?s)scheduler \\(" + java.util.regex.Pattern.quote(Ids.show(byName("scheduler").gid()))
                + "\\): module scheduler version [0-9a-f]{8}, node .*"), detail);
        assertTrue(detail.matches("(?s).*port\\s+tasks.*"), "its port, as inspect lists it: " + detail);
    }

    @Test
    @Order(5)
    void theServerIsReadOnlyLoopbackAndAnswersToItsOwnNamesOnly() throws Exception {
        assertTrue(run("web 0").contains("already at " + browser.getCurrentUrl()), "a second web names the running one");
        java.net.URI page = java.net.URI.create(browser.getCurrentUrl());
        assertEquals("127.0.0.1", page.getHost(), "loopback");
        assertTrue(status(rawGet(page.getPort(), "/api/model", "evil.example")) == 403,
                "a request naming another host (DNS rebinding) is refused");
        String model = rawGet(page.getPort(), "/api/model", "127.0.0.1:" + page.getPort());
        assertEquals(200, status(model), model);
        Object parsed = io.rdc.runtime.util.Json.parse(model.substring(model.indexOf("\r\n\r\n") + 4));
        for (Object inc : (List<?>) ((java.util.Map<?, ?>) parsed).get("incarnations")) {
            java.util.Map<?, ?> m = (java.util.Map<?, ?>) inc;
            assertInstanceOf(String.class, m.get("id"), "ids are strings: " + m);
            assertInstanceOf(String.class, m.get("node"), "node ids too: " + m);
        }
        assertEquals(404, status(rawGet(page.getPort(), "/api/incarnation/999.999", "localhost")), "an unknown id");
    }

    static int status(String response) {
        return Integer.parseInt(response.substring(response.indexOf(' ') + 1, response.indexOf(' ') + 4));
    }

    /** One HTTP/1.0 GET (no chunks) with the Host header given (HttpClient will not send a made-up one); the whole response. */
    static String rawGet(int port, String path, String host) throws Exception {
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
            s.getOutputStream().write(("GET " + path + " HTTP/1.0\r\nHost: " + host + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    @Order(6)
    void anUnreachableNodeIsMarked() throws Exception {
        ops.pool().stopNode(204);
        assertTrue(within(Duration.ofSeconds(60), () -> !browser.findElements(By.cssSelector(".node.unreachable[data-node-id='204']")).isEmpty()
                        && Boolean.TRUE.equals(js("return window.rdcCy.getElementById('n204').hasClass('unreachable')"))),
                () -> "node 204 marked UNREACHABLE: " + browser.findElement(By.id("nodes")).getText());
        String colour = browser.findElement(By.cssSelector(".node[data-node-id='204']")).getCssValue("border-top-color");
        assertEquals("rgba(211, 47, 47, 1)", colour, "in red");
        assertTrue(browser.findElements(By.cssSelector(".node.unreachable")).size() == 1, "only node 204");
        assertTrue(within(Duration.ofSeconds(2), () -> browser.findElement(By.id("log")).getText().contains("node 204 (")),
                () -> "the log says so: " + browser.findElement(By.id("log")).getText());
        File shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
        Path saved = Path.of("target", "web.png");
        Files.copy(shot.toPath(), saved, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        assertTrue(Files.size(saved) > 10_000, "a screenshot of the page: " + saved.toAbsolutePath());
    }
}
