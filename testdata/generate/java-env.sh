# Sourced by the generator scripts: picks java/javac (JAVA_HOME, else Debian's OpenJDK 17, else
# PATH) and defines flink_classpath VERSION, the flink-dist jar plus log4j of that release
# (fetched and extracted by flink-jars.sh).
if [ -n "${JAVA_HOME:-}" ]; then
  JAVA="$JAVA_HOME/bin/java"; JAVAC="$JAVA_HOME/bin/javac"
elif [ -x /usr/lib/jvm/java-17-openjdk-amd64/bin/java ]; then
  JAVA=/usr/lib/jvm/java-17-openjdk-amd64/bin/java; JAVAC=/usr/lib/jvm/java-17-openjdk-amd64/bin/javac
else
  JAVA=java; JAVAC=javac
fi

flink_classpath() {
  local lib cp j
  lib="$("$(dirname "${BASH_SOURCE[0]}")/flink-jars.sh" "$1")" || return 1
  cp="$(ls "$lib"/flink-dist*.jar | head -n1)"
  for j in "$lib"/log4j-*.jar; do [ -f "$j" ] && cp="$cp:$j"; done
  echo "$cp"
}
