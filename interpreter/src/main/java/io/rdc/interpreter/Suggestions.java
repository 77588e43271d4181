package io.rdc.interpreter;

import java.util.Collection;

/** "did you mean `x`?" for unknown names: the closest known name by edit distance, if close enough. */
final class Suggestions {
    private Suggestions() {}

    /** {@code "; did you mean `worker`?"} or the empty string. */
    static String didYouMean(String unknown, Collection<String> known) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String candidate : known) {
            int distance = editDistance(unknown, candidate);
            if (distance < bestDistance || (distance == bestDistance && best != null && candidate.compareTo(best) < 0)) {
                best = candidate;
                bestDistance = distance;
            }
        }
        // a suggestion further away than about a third of the name is more confusing than helpful
        // (so one- and two-letter names get none: `y` is not a typo of `x`)
        int allowed = Math.max(unknown.length(), best == null ? 0 : best.length()) / 3;
        return best != null && bestDistance > 0 && bestDistance <= allowed ? "; did you mean `" + best + "`?" : "";
    }

    /** Optimal string alignment distance: Levenshtein plus adjacent transpositions (a common typo). */
    static int editDistance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }
}
