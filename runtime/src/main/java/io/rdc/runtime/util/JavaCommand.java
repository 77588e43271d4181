package io.rdc.runtime.util;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;

/** The command that runs a class of ours in a new JVM with this JVM's options and class path (child nodes, pool daemons). */
public final class JavaCommand {
    private JavaCommand() {}

    public static List<String> of(String mainClass) {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments())
            if (!a.startsWith("-agentlib") && !a.startsWith("-javaagent")) cmd.add(a);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(mainClass);
        return cmd;
    }
}
