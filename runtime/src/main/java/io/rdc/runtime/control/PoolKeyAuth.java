package io.rdc.runtime.control;

import io.aeron.security.Authenticator;
import io.aeron.security.CredentialsSupplier;
import io.aeron.security.SessionProxy;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.function.Function;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Control-plane sessions authenticated with a key (DESIGN §9.1, docs/security.md), by Aeron
 * Cluster's challenge/response: the client sends "rdc1:" + its principal, the member challenges it
 * with 32 random bytes, and admits it only if it answers HMAC-SHA256(key, challenge ‖ principal).
 * The key is the user's own when the pool users file gives the principal one ({@code key=FILE}),
 * else the pool's; the key itself never travels. The principal admitted is what the control
 * service reads as the session's identity ({@code ClientSession.encodedPrincipal}). Runs on the
 * consensus module's thread, outside the replicated state.
 */
final class PoolKeyAuth {
    private PoolKeyAuth() {}

    static final String PREFIX = "rdc1:";
    /**
     * A pool process's own sessions (its nodes' hellos, heartbeats, ids) are "node:..." principals:
     * they prove only the pool key, and open no RDC for an operator. Users cannot be named so (a
     * users file line splits at its first ':').
     */
    public static final String NODE_PRINCIPAL = "node:";
    static final long PENDING_LIMIT_MS = 10_000;

    static byte[] mac(byte[] key, byte[] challenge, byte[] principal) {
        try {
            Mac m = Mac.getInstance("HmacSHA256");
            m.init(new SecretKeySpec(key, "HmacSHA256"));
            m.update(challenge);
            return m.doFinal(principal);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is unavailable", e);
        }
    }

    /** The client's side: a null key answers every challenge with nothing (and is refused by a keyed plane). */
    static CredentialsSupplier credentials(byte[] key, String principal) {
        byte[] p = principal.getBytes(StandardCharsets.UTF_8);
        byte[] encoded = (PREFIX + principal).getBytes(StandardCharsets.UTF_8);
        return new CredentialsSupplier() {
            @Override
            public byte[] encodedCredentials() {
                return encoded;
            }

            @Override
            public byte[] onChallenge(byte[] challenge) {
                return key == null ? new byte[0] : mac(key, challenge, p);
            }
        };
    }

    /** The members' side. */
    static final class KeyAuthenticator implements Authenticator {
        private static final class Pending {
            final byte[] principal;
            final long since;
            byte[] key;
            byte[] challenge;
            Boolean verdict;

            Pending(byte[] principal, long since) {
                this.principal = principal;
                this.since = since;
            }
        }

        private final byte[] key;
        private final Function<String, byte[]> ownKeyOf;
        private final SecureRandom random = new SecureRandom();
        private final Map<Long, Pending> pending = new HashMap<>(); // lookups only, never iterated for state

        /** @param ownKeyOf a user's own key, or null when they use the pool's (it may throw: the session is then refused) */
        KeyAuthenticator(byte[] key, Function<String, byte[]> ownKeyOf) {
            this.key = key.clone();
            this.ownKeyOf = ownKeyOf;
        }

        KeyAuthenticator(byte[] key) {
            this(key, user -> null);
        }

        @Override
        public void onConnectRequest(long sessionId, byte[] credentials, long nowMs) {
            String c = new String(credentials, StandardCharsets.UTF_8);
            // Without our prefix the session gets no challenge state and is rejected when connected.
            Pending p = new Pending(c.startsWith(PREFIX) ? c.substring(PREFIX.length()).getBytes(StandardCharsets.UTF_8) : null, nowMs);
            if (p.principal != null) p.key = keyOf(c.substring(PREFIX.length()));
            pending.put(sessionId, p);
            expire(nowMs);
        }

        /** The key {@code principal} must prove: its own from the users file, else the pool's; null: refused. */
        private byte[] keyOf(String principal) {
            if (principal.startsWith(NODE_PRINCIPAL)) return key;
            try {
                byte[] own = ownKeyOf.apply(principal);
                return own != null ? own : key;
            } catch (RuntimeException e) {
                System.err.println("rdc: control plane: refusing a session of '" + principal + "': " + e.getMessage());
                return null;
            }
        }

        @Override
        public void onConnectedSession(SessionProxy proxy, long nowMs) {
            Pending p = pending.get(proxy.sessionId());
            if (p == null || p.principal == null || p.key == null) {
                pending.remove(proxy.sessionId());
                proxy.reject();
                return;
            }
            if (p.challenge == null) {
                byte[] ch = new byte[32];
                random.nextBytes(ch);
                if (proxy.challenge(ch)) p.challenge = ch;
            }
        }

        @Override
        public void onChallengeResponse(long sessionId, byte[] response, long nowMs) {
            Pending p = pending.get(sessionId);
            if (p != null && p.challenge != null)
                p.verdict = response != null && MessageDigest.isEqual(mac(p.key, p.challenge, p.principal), response);
        }

        @Override
        public void onChallengedSession(SessionProxy proxy, long nowMs) {
            Pending p = pending.get(proxy.sessionId());
            if (p == null || (p.verdict == null && nowMs - p.since > PENDING_LIMIT_MS)) {
                pending.remove(proxy.sessionId());
                proxy.reject();
            } else if (p.verdict != null) {
                if (p.verdict ? proxy.authenticate(p.principal) : rejected(proxy)) pending.remove(proxy.sessionId());
            }
        }

        private static boolean rejected(SessionProxy proxy) {
            proxy.reject();
            return true;
        }

        private void expire(long nowMs) {
            for (Iterator<Pending> it = pending.values().iterator(); it.hasNext(); )
                if (nowMs - it.next().since > 2 * PENDING_LIMIT_MS) it.remove();
        }
    }
}
