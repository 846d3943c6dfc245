import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * What an application on the PostgreSQL JDBC driver (pgjdbc) does, through the Gatehouse proxy:
 * a plain URL (the driver's own start-up), prepared statements past the driver's server-prepare
 * threshold, DatabaseMetaData, a transaction with a savepoint and an error, a batch, the
 * isolation and read-only switches, and a statement the policy refuses. Each step prints one
 * line `step<TAB>outcome`; the test (pgjdbc.test.ts) reads them. Arguments: port database;
 * the token comes in PGPASSWORD.
 */
public final class PgjdbcClient {
  private static void out(String step, Object outcome) {
    System.out.println(step + "\t" + outcome);
  }

  private static String failure(SQLException e) {
    return "error " + e.getSQLState() + " " + e.getMessage().split("\n")[0];
  }

  private static String join(ResultSet rs, String column) throws SQLException {
    List<String> values = new ArrayList<>();
    while (rs.next()) values.add(rs.getString(column));
    rs.close();
    return String.join(",", values);
  }

  public static void main(String[] args) throws Exception {
    String url = "jdbc:postgresql://127.0.0.1:" + args[0] + "/" + args[1];
    Properties props = new Properties();
    props.setProperty("user", "agent-7");
    props.setProperty("password", System.getenv("PGPASSWORD"));
    props.setProperty("ApplicationName", "pgjdbc-interop");
    try (Connection c = DriverManager.getConnection(url, props)) {
      out("connected", c.getMetaData().getDatabaseProductName());

      // Five executions make the driver switch to a named server-side statement.
      StringBuilder totals = new StringBuilder();
      try (PreparedStatement ps = c.prepareStatement("SELECT total FROM orders WHERE id = ?")) {
        for (int i = 0; i < 8; i++) {
          ps.setInt(1, 10 + (i % 3));
          try (ResultSet rs = ps.executeQuery()) {
            rs.next();
            totals.append(i == 0 ? "" : ",").append(rs.getBigDecimal(1).toPlainString());
          }
        }
      }
      out("prepared", totals);

      try (PreparedStatement ps = c.prepareStatement("SELECT name, email FROM customers WHERE id = ?")) {
        ps.setInt(1, 1);
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          out("masked", rs.getString(1) + " " + rs.getString(2));
        }
      }

      DatabaseMetaData md = c.getMetaData();
      out("tables", join(md.getTables(null, "public", "%", new String[] {"TABLE"}), "TABLE_NAME"));
      out("columns", join(md.getColumns(null, "public", "orders", "%"), "COLUMN_NAME"));
      out("primary-keys", join(md.getPrimaryKeys(null, "public", "orders"), "COLUMN_NAME"));
      out("imported-keys", join(md.getImportedKeys(null, "public", "orders"), "FKCOLUMN_NAME"));
      out("indexes", join(md.getIndexInfo(null, "public", "orders", false, false), "INDEX_NAME"));

      c.setAutoCommit(false);
      try (PreparedStatement ps = c.prepareStatement("INSERT INTO notes (id, body) VALUES (?, ?)")) {
        ps.setInt(1, 200);
        ps.setString(2, "jdbc");
        ps.executeUpdate();
        Savepoint savepoint = c.setSavepoint("before_duplicate");
        ps.setInt(1, 200);
        ps.setString(2, "duplicate");
        try {
          ps.executeUpdate();
          out("duplicate", "inserted");
        } catch (SQLException e) {
          out("duplicate", e.getSQLState());
          c.rollback(savepoint);
        }
        ps.setInt(1, 201);
        ps.setString(2, "after savepoint");
        ps.executeUpdate();
      }
      c.commit();
      c.setAutoCommit(true);
      try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT id FROM notes WHERE id IN (200, 201) ORDER BY id")) {
        out("committed", join(rs, "id"));
      }

      try (PreparedStatement ps = c.prepareStatement("INSERT INTO notes (id, body) VALUES (?, ?)")) {
        for (int id = 300; id < 305; id++) {
          ps.setInt(1, id);
          ps.setString(2, "batch " + id);
          ps.addBatch();
        }
        int[] counts = ps.executeBatch();
        out("batch", counts.length);
      }

      c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
      c.setReadOnly(true);
      c.setAutoCommit(false);
      try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) AS n FROM orders")) {
        out("read-only", join(rs, "n"));
      }
      c.commit();
      c.setAutoCommit(true);
      c.setReadOnly(false);

      try (Statement s = c.createStatement()) {
        s.execute("DROP TABLE notes");
        out("drop", "ran");
      } catch (SQLException e) {
        out("drop", failure(e));
      }
      try (Statement s = c.createStatement()) {
        s.execute("SET search_path = pg_temp, public");
        out("search-path", "ran");
      } catch (SQLException e) {
        out("search-path", failure(e));
      }
      try (PreparedStatement ps = c.prepareStatement("SELECT total FROM orders WHERE id = ?")) {
        ps.setInt(1, 12);
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          BigDecimal total = rs.getBigDecimal(1);
          out("still-usable", total.toPlainString());
        }
      }
    }
  }
}
