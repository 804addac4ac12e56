import java.io.File;
import java.lang.reflect.Modifier;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.TreeMap;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

/**
 * Lists the serializer and serializer-snapshot classes a Flink release ships: every class of the
 * given jars that Flink's own class loader (the release's jars only) can load and that is a
 * {@code TypeSerializer} or a {@code TypeSerializerSnapshot} (the classes a state file's
 * serializer snapshots name and that a restore instantiates), or a Kryo {@code Serializer} or a
 * class of Flink's Kryo support package (what a KryoSerializer snapshot's registrations name).
 *
 * <p>Usage: java -cp JARS ListSerializerClasses JAR... ; prints "KIND CLASS" lines (KIND: snapshot,
 * serializer, snapshot-abstract, serializer-abstract, kryo-serializer, kryo-serializer-holder,
 * kryo-support) (sorted by class name), then "# loaded N, unloadable M" on stderr.
 */
public class ListSerializerClasses {
    static boolean holdsKryoSerializer(Class<?> c, Class<?> kryoSer) {
        if (!java.io.Serializable.class.isAssignableFrom(c)) {
            return false;
        }
        for (java.lang.reflect.Field f : c.getDeclaredFields()) {
            if (!Modifier.isStatic(f.getModifiers()) && kryoSer.isAssignableFrom(f.getType())) {
                return true;
            }
        }
        return false;
    }

    public static void main(String[] args) throws Exception {
        ClassLoader cl = ListSerializerClasses.class.getClassLoader();
        Class<?> ser = Class.forName("org.apache.flink.api.common.typeutils.TypeSerializer", false, cl);
        Class<?> snap = Class.forName("org.apache.flink.api.common.typeutils.TypeSerializerSnapshot", false, cl);
        // Kryo serializers Flink registers (a KryoSerializer snapshot records them by class name)
        Class<?> kryoSer = Class.forName("com.esotericsoftware.kryo.Serializer", false, cl);
        TreeMap<String, String> out = new TreeMap<>();
        int loaded = 0;
        List<String> unloadable = new ArrayList<>();
        for (String jar : args) {
            try (JarFile jf = new JarFile(new File(jar))) {
                Enumeration<JarEntry> en = jf.entries();
                while (en.hasMoreElements()) {
                    String n = en.nextElement().getName();
                    if (!n.endsWith(".class") || n.startsWith("META-INF/") || n.contains("module-info")) {
                        continue;
                    }
                    String cn = n.substring(0, n.length() - 6).replace('/', '.');
                    // shaded third-party code holds no Flink serializer
                    if (!cn.startsWith("org.apache.flink.") || cn.startsWith("org.apache.flink.shaded.")) {
                        continue;
                    }
                    Class<?> c;
                    try {
                        c = Class.forName(cn, false, cl);
                        loaded++;
                    } catch (Throwable t) {
                        unloadable.add(cn);
                        continue;
                    }
                    try {
                        if (c.isInterface() || Modifier.isAbstract(c.getModifiers())) {
                            // abstract bases are listed too: a snapshot names only concrete classes,
                            // but a user class extending a removed base fails the same way
                            if (snap.isAssignableFrom(c)) {
                                out.put(cn, "snapshot-abstract");
                            } else if (ser.isAssignableFrom(c)) {
                                out.put(cn, "serializer-abstract");
                            }
                            continue;
                        }
                        if (snap.isAssignableFrom(c)) {
                            out.put(cn, "snapshot");
                        } else if (ser.isAssignableFrom(c)) {
                            out.put(cn, "serializer");
                        } else if (kryoSer.isAssignableFrom(c)) {
                            out.put(cn, "kryo-serializer");
                        } else if (holdsKryoSerializer(c, kryoSer)) {
                            // a Serializable wrapper of a Kryo serializer instance (what a Kryo
                            // registration with a serializer instance is Java-serialized as, e.g.
                            // ExecutionConfig$SerializableSerializer)
                            out.put(cn, "kryo-serializer-holder");
                        } else if (cn.startsWith("org.apache.flink.api.java.typeutils.runtime.kryo.")) {
                            // the placeholder classes Flink registers with Kryo (e.g. Serializers$DummyAvroRegisteredClass)
                            out.put(cn, "kryo-support");
                        }
                    } catch (Throwable t) {
                        unloadable.add(cn);
                    }
                }
            }
        }
        StringBuilder sb = new StringBuilder();
        out.forEach((k, v) -> sb.append(v).append(' ').append(k).append('\n'));
        System.out.print(sb);
        System.err.println("# loaded " + loaded + ", unloadable " + unloadable.size());
    }
}
