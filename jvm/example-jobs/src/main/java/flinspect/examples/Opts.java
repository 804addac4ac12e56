package flinspect.examples;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The example jobs' arguments: --flag, --key value, --key op=value (repeatable). */
final class Opts {
    final Set<String> flags = new HashSet<>();
    final Map<String, String> values = new HashMap<>();
    final Map<String, List<String>> lists = new HashMap<>();

    static Opts parse(String[] args, Set<String> flagNames) {
        Opts o = new Opts();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument " + a);
            }
            String k = a.substring(2);
            if (flagNames.contains(k)) {
                o.flags.add(k);
            } else if (i + 1 < args.length) {
                String v = args[++i];
                o.values.put(k, v);
                o.lists.computeIfAbsent(k, x -> new ArrayList<>()).add(v);
            } else {
                throw new IllegalArgumentException("--" + k + " needs a value");
            }
        }
        return o;
    }

    int intValue(String k, int dflt) {
        String v = values.get(k);
        return v == null ? dflt : Integer.parseInt(v);
    }

    List<String> list(String k) {
        return lists.getOrDefault(k, new ArrayList<>());
    }

    /** "--k op=n" pairs. */
    Map<String, Integer> perOperator(String k) {
        Map<String, Integer> m = new HashMap<>();
        for (String s : list(k)) {
            int eq = s.indexOf('=');
            m.put(s.substring(0, eq), Integer.parseInt(s.substring(eq + 1)));
        }
        return m;
    }
}
