import java.io.File;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hdfs.MiniDFSCluster;

/**
 * A single-node HDFS for the remote tests: one NameNode and one DataNode (Hadoop's own
 * MiniDFSCluster) on loopback, with a local directory copied in. Prints {@code HDFS_URI=...}
 * once it serves, and stops when its standard input closes.
 *
 * <p>Usage: {@code MiniHdfs BASEDIR LOCALDIR HDFSDIR}
 */
public class MiniHdfs {
    public static void main(String[] args) throws Exception {
        Configuration conf = new Configuration();
        conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, args[0]);
        conf.set("dfs.namenode.rpc-bind-host", "127.0.0.1");
        conf.set("dfs.datanode.hostname", "127.0.0.1");
        conf.setBoolean("dfs.permissions.enabled", false);
        MiniDFSCluster cluster = new MiniDFSCluster.Builder(conf)
                .numDataNodes(1)
                .format(true)
                .build();
        cluster.waitActive();
        FileSystem fs = cluster.getFileSystem();
        fs.copyFromLocalFile(false, true, new Path(new File(args[1]).getAbsolutePath()), new Path(args[2]));
        System.out.println("HDFS_URI=hdfs://127.0.0.1:" + cluster.getNameNodePort());
        System.out.flush();
        while (System.in.read() != -1) {
            // Runs until the test closes stdin (or dies).
        }
        cluster.shutdown();
    }
}
