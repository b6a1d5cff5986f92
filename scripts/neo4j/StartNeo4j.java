// Starts Neo4j Community (embedded DBMS with the Bolt connector) for chainkg's tests and CI.
// Same kernel, Cypher runtime and Bolt server as `neo4j console`, without HTTP or neo4j.conf.
//
// Usage: java [-Dchainkg.neo4j.conf=neo4j.conf] -cp "classes:lib/*" StartNeo4j HOME_DIR PORT [PASSWORD]
//   The settings file (neo4j.conf syntax) sets memory and transaction-log limits; without it
//   Neo4j's defaults apply, but for a 256 MB page cache.
//   Without PASSWORD auth is off (any credentials are accepted). With PASSWORD auth is on and
//   user `neo4j` gets that password (tests use this to check how a refused login is reported).
// Prints "NEO4J_READY bolt://127.0.0.1:PORT" once the default database answers a query.

import java.nio.file.Path;
import java.util.Map;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.HttpConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.graphdb.GraphDatabaseService;
import org.neo4j.io.ByteUnit;

public class StartNeo4j {
    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: StartNeo4j HOME_DIR PORT [PASSWORD]");
            System.exit(64);
        }
        Path home = Path.of(args[0]);
        int port = Integer.parseInt(args[1]);
        String password = args.length > 2 ? args[2] : null;
        SocketAddress address = new SocketAddress("127.0.0.1", port);

        DatabaseManagementServiceBuilder builder = new DatabaseManagementServiceBuilder(home);
        String conf = System.getProperty("chainkg.neo4j.conf");
        if (conf != null) {
            builder.loadPropertiesFromFile(Path.of(conf)); // neo4j.conf beside start.sh
        } else {
            // a Setting<Long> in bytes; the default would take half the machine's memory
            builder.setConfig(GraphDatabaseSettings.pagecache_memory, ByteUnit.mebiBytes(256));
        }
        DatabaseManagementService dbms = builder
                .setConfig(BoltConnector.enabled, true)
                .setConfig(BoltConnector.listen_address, address)
                .setConfig(BoltConnector.advertised_address, address)
                .setConfig(HttpConnector.enabled, false)
                .setConfig(GraphDatabaseSettings.auth_enabled, password != null)
                .build();
        // SIGTERM (stop.sh) runs this: a clean shutdown, so the store is never left dirty
        Runtime.getRuntime().addShutdownHook(new Thread(dbms::shutdown));

        if (password != null) {
            // the embedded API bypasses auth, so the system database can be told the password
            dbms.database(GraphDatabaseSettings.SYSTEM_DATABASE_NAME).executeTransactionally(
                    "ALTER USER neo4j SET PASSWORD $password CHANGE NOT REQUIRED",
                    Map.of("password", password));
        }
        GraphDatabaseService db = dbms.database(GraphDatabaseSettings.DEFAULT_DATABASE_NAME);
        if (!db.isAvailable(120_000)) {
            System.err.println("NEO4J_FAILED: database " + db.databaseName() + " not available");
            System.exit(2);
        }
        db.executeTransactionally("RETURN 1");
        System.out.println("NEO4J_READY bolt://127.0.0.1:" + port);
        System.out.flush();
        Thread.currentThread().join();
    }
}
