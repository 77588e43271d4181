package io.rdc.runtime.kernel;

import io.rdc.runtime.ref.RefDescriptor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongFunction;

/**
 * The name service (§5.4): services registered under text names, looked up across RDCs. A name
 * belongs to the RDC that registered it: only that RDC may register it again or delete it. The
 * registrant chooses who may look it up: every RDC (no readers, the default) or the RDCs it lists,
 * each by name or by id as shown ({@code 0.3}); the owner always may (docs/security.md, "Names").
 *
 * <p>One implementation for both homes of the service: the control plane's {@code ControlService}
 * (which knows RDC names, so readers may be given by name) and, without a control plane, the
 * pool's first node (RDCs have no names there, so readers are ids). Deterministic (insertion
 * order only), as the control plane needs. Single-threaded: the kernel thread, or the service's.
 */
public final class NameService {

    /** What a name is bound to: the reference, the RDC that owns the name, and who may look it up (empty: every RDC). */
    public record Registration(RefDescriptor ref, long ownerRdc, List<String> readers) {
        public Registration {
            readers = List.copyOf(readers);
        }

        public boolean isPublic() {
            return readers.isEmpty();
        }

        /** True when an RDC of this id and name (null when RDCs have no names) may look the name up. */
        public boolean readableBy(long rdc, String rdcName) {
            return rdc == ownerRdc || readers.isEmpty() || readers.contains(Ids.show(rdc)) || (rdcName != null && readers.contains(rdcName));
        }
    }

    private final Map<String, Registration> names = new LinkedHashMap<>();
    /** How an RDC is named in refusals: its id, and its name when the service knows it. */
    private final LongFunction<String> showRdc;

    public NameService(LongFunction<String> showRdc) {
        this.showRdc = showRdc;
    }

    /** Without a control plane: RDCs are shown by id. */
    public NameService() {
        this(rdc -> "RDC " + Ids.show(rdc));
    }

    /** Binds (or, by its owner, rebinds) a name; refused when another RDC owns it. */
    public void register(String name, RefDescriptor ref, long ownerRdc, List<String> readers) {
        if (name == null || name.isBlank()) throw new OperationException("a service name must not be empty");
        for (String r : readers)
            if (r == null || r.isBlank()) throw new OperationException("register '" + name + "': an RDC allowed to look it up must be named, not empty");
        checkOwner(name, ownerRdc, "re-register");
        names.put(name, new Registration(ref, ownerRdc, readers));
    }

    /** Deletes a name its RDC owns; false when no such name is registered. */
    public boolean unregister(String name, long ownerRdc) {
        if (!names.containsKey(name)) return false;
        checkOwner(name, ownerRdc, "delete");
        names.remove(name);
        return true;
    }

    private void checkOwner(String name, long rdc, String verb) {
        Registration old = names.get(name);
        if (old != null && old.ownerRdc() != rdc)
            throw new OperationException("'" + name + "' is registered by " + showRdc.apply(old.ownerRdc()) + "; only it may " + verb + " it ("
                    + showRdc.apply(rdc) + " asked)");
    }

    /**
     * The reference registered under {@code name}, for an incarnation of RDC {@code rdc} (named
     * {@code rdcName}, or null): throws when there is none (with a did-you-mean among the names it
     * may see) or when the registrant did not list this RDC.
     */
    public RefDescriptor lookup(String name, long rdc, String rdcName) {
        Registration r = names.get(name);
        if (r == null) {
            List<String> visible = names.entrySet().stream().filter(e -> e.getValue().readableBy(rdc, rdcName)).map(Map.Entry::getKey).toList();
            throw new OperationException("no service is registered under the name '" + name + "'" + io.rdc.runtime.control.NameSuggest.suggest(visible, name));
        }
        if (!r.readableBy(rdc, rdcName))
            throw new OperationException("the service '" + name + "' is not open to " + showRdc.apply(rdc) + ": " + showRdc.apply(r.ownerRdc())
                    + " registered it for " + String.join(", ", r.readers()) + " only");
        return r.ref();
    }

    /** Every registration of an RDC goes (it was terminated). */
    public void removeOwnedBy(long rdc) {
        names.values().removeIf(reg -> reg.ownerRdc() == rdc);
    }

    /** The registrations in order, for the control plane's snapshot. */
    public Map<String, Registration> entries() {
        return java.util.Collections.unmodifiableMap(names);
    }

    /** Puts a registration back as a snapshot held it (no checks: it was checked when made). */
    public void restore(String name, Registration r) {
        names.put(name, r);
    }
}
