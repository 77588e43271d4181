package io.rdc.shell;

import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;

@Command(name = "completion", mixinStandardHelpOptions = true,
        description = {"Print a bash/zsh completion script for rdc.", "Use: source <(./rdc completion)"})
final class CompletionCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        System.out.print(AutoComplete.bash("rdc", spec.root().commandLine()));
    }
}
