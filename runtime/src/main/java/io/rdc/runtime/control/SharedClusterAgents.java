package io.rdc.runtime.control;

import io.aeron.Aeron;
import io.aeron.RethrowingErrorHandler;
import io.aeron.archive.Archive;
import io.aeron.archive.ArchiveThreadingMode;
import io.aeron.cluster.ConsensusModule;
import io.aeron.cluster.service.ClusteredServiceContainer;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.aeron.driver.status.SystemCounterDescriptor;
import java.util.function.Supplier;
import org.agrona.CloseHelper;
import org.agrona.ErrorHandler;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentInvoker;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.NoOpLock;
import org.agrona.concurrent.YieldingIdleStrategy;
import org.agrona.concurrent.status.AtomicCounter;

/**
 * A member's media driver, archive and consensus module on one thread ({@link ControlThreads#SHARED},
 * a bench option): what ClusteredMediaDriver runs on three threads, each in Aeron's invoker mode and
 * invoked in turn by one agent runner. The driver is invoked by the archive (Archive.Context's
 * mediaDriverAgentInvoker, which Aeron 1.51 allows only for an archive in INVOKER mode).
 *
 * <p>The consensus module waits, inside its duty cycle, for the archive's answers (start a
 * recording, its recording counter) and the driver's (add a publication); on a thread of its own it
 * waits for the others' threads, here it must run them while it waits: its Aeron client's
 * driverAgentInvoker, its archive client's agentInvoker and its idle strategy (which its own waits
 * use, as its agent runner is not) do that, but only on the shared thread ({@link OnSharedThread}).
 * It starts inside ConsensusModule.launch, on the caller's thread, where its start waits for the
 * archive and the service container to answer: so the driver and archive already run on the shared
 * thread, and the container (on its own thread) is launched, before it; it joins the shared thread
 * once started.
 */
final class SharedClusterAgents implements AutoCloseable {
    private final MediaDriver driver;
    private final Archive archive;
    private final ConsensusModule consensusModule;
    private final AgentRunner runner;
    private final ClusteredServiceContainer container;

    private SharedClusterAgents(MediaDriver driver, Archive archive, ConsensusModule consensusModule, AgentRunner runner,
            ClusteredServiceContainer container) {
        this.driver = driver;
        this.archive = archive;
        this.consensusModule = consensusModule;
        this.runner = runner;
        this.container = container;
    }

    /**
     * Launches the three (the contexts' threading modes and the consensus module's clients are set
     * here) on one thread that waits with a strategy from {@code idles}, and the service container with
     * {@code services} before the consensus module.
     */
    static SharedClusterAgents launch(MediaDriver.Context driverCtx, Archive.Context archiveCtx, ConsensusModule.Context cmCtx, Supplier<IdleStrategy> idles,
            String threadName, Supplier<ClusteredServiceContainer> services) {
        MediaDriver driver = null;
        Archive archive = null;
        ConsensusModule cm = null;
        AgentRunner runner = null;
        ClusteredServiceContainer container = null;
        Aeron cmAeron = null;
        try {
            driver = MediaDriver.launch(driverCtx.threadingMode(ThreadingMode.INVOKER));
            // As ClusteredMediaDriver does: the archive counts and reports its errors through the driver's;
            // here the consensus module too (with the client made below it would not make its own counter).
            AtomicCounter errors = new AtomicCounter(driverCtx.countersValuesBuffer(), SystemCounterDescriptor.ERRORS.id());
            ErrorHandler errorHandler = driverCtx.errorHandler();
            archive = Archive.launch(archiveCtx.threadingMode(ArchiveThreadingMode.INVOKER).mediaDriverAgentInvoker(driver.sharedAgentInvoker())
                    .aeronDirectoryName(driver.aeronDirectoryName()).errorHandler(errorHandler).errorCounter(errors));
            SharedAgent agents = new SharedAgent(threadName, archive.invoker());
            runner = new AgentRunner(idles.get(), errorHandler, errors, agents);
            OnSharedThread shared = new OnSharedThread(AgentRunner.startOnThread(runner));
            container = services.get();
            // The consensus module's own Aeron client as ConsensusModule.Context would make it, plus the driver to run while it waits.
            cmAeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(driver.aeronDirectoryName()).errorHandler(errorHandler)
                    .useConductorAgentInvoker(true).driverAgentInvoker(shared.invoker(driver.sharedAgentInvoker(), errorHandler))
                    .subscriberErrorHandler(RethrowingErrorHandler.INSTANCE).awaitingIdleStrategy(YieldingIdleStrategy.INSTANCE)
                    .clientLock(NoOpLock.INSTANCE).clientName(threadName + "-consensus-module"));
            AgentInvoker archiveWhileWaiting = shared.invoker(archive.invoker(), errorHandler);
            cmCtx.aeron(cmAeron).ownsAeronClient(true).errorHandler(errorHandler).errorCounter(errors).useAgentInvoker(true)
                    .idleStrategySupplier(() -> new InvokingWhileIdle(archiveWhileWaiting, idles.get()))
                    .aeronDirectoryName(driver.aeronDirectoryName())
                    .archiveContext(cmCtx.archiveContext().clone().agentInvoker(archiveWhileWaiting));
            cm = ConsensusModule.launch(cmCtx);
            cmAeron = null; // the consensus module owns it now
            agents.consensusModule = cm.conductorAgentInvoker(); // from here on only the shared thread runs it
            return new SharedClusterAgents(driver, archive, cm, runner, container);
        } catch (RuntimeException e) {
            CloseHelper.quietCloseAll(container, runner, cm, cmAeron, archive, driver);
            throw e;
        }
    }

    /** The container launched with these (closed by its owner, before {@link #close()}). */
    ClusteredServiceContainer container() {
        return container;
    }

    ConsensusModule consensusModule() {
        return consensusModule;
    }

    ThreadingMode driverThreadingMode() {
        return driver.context().threadingMode();
    }

    /** The shared thread closes the consensus module and the archive as it stops; then the rest is closed in ClusteredMediaDriver's order. */
    @Override
    public void close() {
        CloseHelper.closeAll(runner, consensusModule, archive, driver);
    }

    /**
     * Invokers for the consensus module's clients to run while they wait, which run their target only
     * on the shared thread: there the target is not running (the runner runs one part at a time);
     * on the thread that launches the consensus module the shared thread runs it, and two threads
     * must never invoke the same agent.
     */
    private record OnSharedThread(Thread thread) {
        AgentInvoker invoker(AgentInvoker target, ErrorHandler errorHandler) {
            AgentInvoker i = new AgentInvoker(errorHandler, null, new Agent() {
                @Override
                public int doWork() {
                    return Thread.currentThread() == thread ? target.invoke() : 0;
                }

                @Override
                public String roleName() {
                    return "on-shared-thread-" + target.agent().roleName();
                }
            });
            i.start();
            return i;
        }
    }

    /** Runs {@code others} (which do nothing off the shared thread) before it idles as {@code then} says. */
    private record InvokingWhileIdle(AgentInvoker others, IdleStrategy then) implements IdleStrategy {
        @Override
        public void idle(int workCount) {
            if (workCount > 0) then.reset();
            else idle();
        }

        @Override
        public void idle() {
            if (others.invoke() > 0) then.reset();
            else then.idle();
        }

        @Override
        public void reset() {
            then.reset();
        }
    }

    /**
     * The shared thread's agent: the archive (which runs the driver), then the consensus module once
     * it has started. It closes both on the shared thread, the consensus module first, as the
     * archive requires (its control sessions may be touched only by the thread that made them).
     */
    private static final class SharedAgent implements Agent {
        private final String roleName;
        private final AgentInvoker archive;
        volatile AgentInvoker consensusModule;

        SharedAgent(String roleName, AgentInvoker archive) {
            this.roleName = roleName;
            this.archive = archive;
        }

        @Override
        public int doWork() {
            AgentInvoker cm = consensusModule;
            return archive.invoke() + (cm == null ? 0 : cm.invoke());
        }

        @Override
        public void onClose() {
            AgentInvoker cm = consensusModule;
            if (cm != null) cm.close();
            archive.close();
        }

        @Override
        public String roleName() {
            return roleName;
        }
    }
}
