package io.rdc.bench;

import java.util.Locale;

/**
 * Minimal builder for one flat JSON object on one line; keys are trusted identifiers, string values are escaped.
 */
final class JsonLine
{
    private final StringBuilder sb = new StringBuilder(256).append('{');
    private boolean first = true;

    JsonLine str(final String key, final String value)
    {
        key(key);
        if (null == value)
        {
            sb.append("null");
        }
        else
        {
            appendQuoted(sb, value);
        }
        return this;
    }

    JsonLine num(final String key, final long value)
    {
        key(key);
        sb.append(value);
        return this;
    }

    JsonLine num(final String key, final double value)
    {
        key(key);
        if (Double.isFinite(value))
        {
            sb.append(String.format(Locale.ROOT, "%.3f", value));
        }
        else
        {
            sb.append("null");
        }
        return this;
    }

    JsonLine bool(final String key, final boolean value)
    {
        key(key);
        sb.append(value);
        return this;
    }

    @Override
    public String toString()
    {
        return sb + "}";
    }

    private void key(final String key)
    {
        if (!first)
        {
            sb.append(',');
        }
        first = false;
        appendQuoted(sb, key);
        sb.append(':');
    }

    static void appendQuoted(final StringBuilder sb, final String s)
    {
        sb.append('"');
        for (int i = 0; i < s.length(); i++)
        {
            final char c = s.charAt(i);
            switch (c)
            {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default ->
                {
                    if (c < 0x20)
                    {
                        sb.append(String.format(Locale.ROOT, "\\u%04x", (int)c));
                    }
                    else
                    {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }
}
