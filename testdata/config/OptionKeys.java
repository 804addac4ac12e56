/*
 * Prints every ConfigOption key a Flink distribution declares, with its fallback and deprecated
 * keys and its default value: one tab-separated line per key, sorted.
 *
 *   key <TAB> role <TAB> option key <TAB> default
 *
 * role is "key" (the option's own key), "deprecated" (a deprecated key Flink still reads for the
 * option) or "fallback" (a fallback key that is not deprecated). The classes read are the public
 * classes of org.apache.flink.* whose simple name ends in "Options" in the jars given on the
 * command line; every public static ConfigOption field of each is read by reflection.
 *
 * Run with the distribution's jars on the class path (single-file source launch, Java 11+):
 *   java -cp 'lib/*' OptionKeys.java lib/*.jar
 * Used by testdata/generate/flink-config.sh (committed lists) and tests/audit_keys.rs (live).
 */
import java.io.File;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.Enumeration;
import java.util.TreeSet;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.FallbackKey;

public class OptionKeys {
    public static void main(String[] args) throws Exception {
        TreeSet<String> lines = new TreeSet<>();
        ClassLoader loader = OptionKeys.class.getClassLoader();
        for (String jar : args) {
            try (JarFile jf = new JarFile(new File(jar))) {
                Enumeration<JarEntry> en = jf.entries();
                while (en.hasMoreElements()) {
                    String n = en.nextElement().getName();
                    if (!n.startsWith("org/apache/flink/") || n.startsWith("org/apache/flink/shaded/") || !n.endsWith("Options.class") || n.contains("$")) {
                        continue;
                    }
                    String cls = n.substring(0, n.length() - 6).replace('/', '.');
                    Class<?> c;
                    try {
                        c = Class.forName(cls, false, loader);
                    } catch (Throwable t) {
                        continue;
                    }
                    if (!Modifier.isPublic(c.getModifiers())) {
                        continue;
                    }
                    Field[] fields;
                    try {
                        fields = c.getDeclaredFields();
                    } catch (Throwable t) {
                        // A class whose field types are not on the class path (a shaded
                        // library's options): it declares no ConfigOption Flink reads.
                        continue;
                    }
                    for (Field f : fields) {
                        int m = f.getModifiers();
                        if (!Modifier.isStatic(m) || !Modifier.isPublic(m) || !ConfigOption.class.isAssignableFrom(f.getType())) {
                            continue;
                        }
                        ConfigOption<?> o;
                        try {
                            o = (ConfigOption<?>) f.get(null);
                        } catch (Throwable t) {
                            continue;
                        }
                        if (o == null) {
                            continue;
                        }
                        String def = o.hasDefaultValue() ? String.valueOf(o.defaultValue()) : "";
                        def = def.replace('\t', ' ').replace('\n', ' ');
                        lines.add(o.key() + "\tkey\t" + o.key() + "\t" + def);
                        for (FallbackKey k : o.fallbackKeys()) {
                            lines.add(k.getKey() + "\t" + (k.isDeprecated() ? "deprecated" : "fallback") + "\t" + o.key() + "\t" + def);
                        }
                    }
                }
            }
        }
        StringBuilder sb = new StringBuilder();
        for (String l : lines) {
            sb.append(l).append('\n');
        }
        System.out.print(sb);
    }
}
