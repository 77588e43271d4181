package io.rdc.shell;

import picocli.CommandLine.Command;

@Command(name = "version", mixinStandardHelpOptions = true, description = "Print the rdc version.")
final class VersionCommand implements Runnable {
    @Override
    public void run() {
        System.out.println(new Main.Version().getVersion()[0]);
    }
}
