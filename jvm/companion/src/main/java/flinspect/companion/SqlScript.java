package flinspect.companion;

import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A SQL script as a Flink program: CREATE/SET/USE statements run through
 * {@code StreamTableEnvironment.executeSql}, INSERT statements (alone, or in
 * {@code EXECUTE STATEMENT SET BEGIN ... END;} / {@code BEGIN STATEMENT SET; ... END;}) go into one
 * statement set, executed at the end: the planner translates them and submits the StreamGraph,
 * which the plan environment of the companion captures (as for a job jar's execute()).
 *
 * <p>The Table API is reached by reflection, so that the companion needs only the distribution's
 * lib/ (flink-table-api-java-uber, flink-table-planner-loader) at run time.
 *
 * <p>Also usable on its own (testdata generation): {@link #run(StreamExecutionEnvironment, String)}
 * returns the statement set's TableResult.
 */
public final class SqlScript {
    private SqlScript() {}

    public static void main(String[] args) throws Exception {
        String script = new String(Files.readAllBytes(Paths.get(args[0])), StandardCharsets.UTF_8);
        run(StreamExecutionEnvironment.getExecutionEnvironment(), script);
    }

    /** Runs the script's statements on env; returns the TableResult of the INSERTs. */
    public static Object run(StreamExecutionEnvironment env, String script) throws Exception {
        Class<?> steClass = Class.forName("org.apache.flink.table.api.bridge.java.StreamTableEnvironment");
        Object tEnv = steClass.getMethod("create", StreamExecutionEnvironment.class).invoke(null, env);
        Method executeSql = steClass.getMethod("executeSql", String.class);
        Object set = steClass.getMethod("createStatementSet").invoke(tEnv);
        Method addInsertSql = set.getClass().getMethod("addInsertSql", String.class);
        int inserts = 0;
        boolean inSet = false;
        for (String stmt : split(script)) {
            String u = stmt.toUpperCase(Locale.ROOT).replaceAll("\\s+", " ");
            if (u.equals("BEGIN STATEMENT SET")) {
                inSet = true;
                continue;
            }
            if (u.equals("END")) {
                inSet = false;
                continue;
            }
            if (u.startsWith("EXECUTE STATEMENT SET")) {
                // EXECUTE STATEMENT SET BEGIN INSERT ...; INSERT ...; END -- split() cut it at
                // the semicolons: the first piece carries the first INSERT after BEGIN.
                int begin = u.indexOf("BEGIN");
                String first = stmt.substring(begin + "BEGIN".length()).trim();
                if (!first.isEmpty()) {
                    addInsertSql.invoke(set, first);
                    inserts++;
                }
                inSet = true;
                continue;
            }
            if (u.startsWith("INSERT ") || (inSet && !u.isEmpty())) {
                addInsertSql.invoke(set, stmt);
                inserts++;
            } else if (u.startsWith("EXECUTE INSERT")) {
                addInsertSql.invoke(set, stmt.substring(stmt.toUpperCase(Locale.ROOT).indexOf("INSERT")));
                inserts++;
            } else {
                executeSql.invoke(tEnv, stmt);
            }
        }
        if (inserts == 0) {
            throw new IllegalArgumentException("the script has no INSERT statement: there is no job to show");
        }
        return set.getClass().getMethod("execute").invoke(set);
    }

    /** Statements separated by ';' outside quotes and comments, comments dropped, empty ones skipped. */
    static List<String> split(String script) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        int i = 0;
        int n = script.length();
        while (i < n) {
            char c = script.charAt(i);
            if (c == '-' && i + 1 < n && script.charAt(i + 1) == '-') {
                while (i < n && script.charAt(i) != '\n') {
                    i++;
                }
                continue;
            }
            if (c == '/' && i + 1 < n && script.charAt(i + 1) == '*') {
                int end = script.indexOf("*/", i + 2);
                i = end < 0 ? n : end + 2;
                continue;
            }
            if (c == '\'' || c == '"' || c == '`') {
                int j = i + 1;
                while (j < n) {
                    if (script.charAt(j) == c) {
                        if (j + 1 < n && script.charAt(j + 1) == c) {
                            j += 2;
                            continue;
                        }
                        break;
                    }
                    j++;
                }
                cur.append(script, i, Math.min(j + 1, n));
                i = j + 1;
                continue;
            }
            if (c == ';') {
                add(out, cur);
                i++;
                continue;
            }
            cur.append(c);
            i++;
        }
        add(out, cur);
        return out;
    }

    private static void add(List<String> out, StringBuilder cur) {
        String s = cur.toString().trim();
        if (!s.isEmpty()) {
            out.add(s);
        }
        cur.setLength(0);
    }
}
