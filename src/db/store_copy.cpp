#include "db/store_copy.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <stdexcept>

#include "db/migrations.hpp"
#include "db/pool.hpp"

namespace crema::db {
namespace {

[[noreturn]] void copy_failed(const std::string& message) { throw std::runtime_error(message); }

struct Column {
  std::string name;
  std::string type;  // PostgreSQL's format_type, e.g. "bigint", "boolean", "text"
};

/// Rows per INSERT: one round trip for many rows, far below the 65,535 parameter limit.
constexpr std::size_t kBatchRows = 200;

std::vector<std::string> pg_tables(Connection& c) {
  std::vector<std::string> out;
  for (const auto& row :
       c.exec("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1"))
    out.push_back(row.text(0));
  return out;
}

std::set<std::string> sqlite_tables(Connection& c) {
  std::set<std::string> out;
  for (const auto& row :
       c.exec("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"))
    out.insert(row.text(0));
  return out;
}

std::vector<Column> pg_columns(Connection& c, const std::string& table) {
  std::vector<Column> out;
  // Generated columns are computed by PostgreSQL itself and cannot be inserted.
  for (const auto& row :
       c.exec("SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a "
              "JOIN pg_class t ON t.oid = a.attrelid "
              "JOIN pg_namespace n ON n.oid = t.relnamespace "
              "WHERE n.nspname = current_schema() AND t.relname = $1 AND a.attnum > 0 "
              "AND NOT a.attisdropped AND a.attgenerated = '' ORDER BY a.attnum",
              {std::string_view(table)}))
    out.push_back({row.text(0), row.text(1)});
  return out;
}

std::set<std::string> sqlite_columns(Connection& c, const std::string& table) {
  std::set<std::string> out;
  for (const auto& row :
       c.exec("SELECT name FROM pragma_table_info($1)", {std::string_view(table)}))
    out.insert(row.text(0));
  return out;
}

/// The tables in an order where every table comes after those its foreign keys name.
std::vector<std::string> parents_first(Connection& c, const std::vector<std::string>& tables) {
  std::map<std::string, std::set<std::string>> parents;
  for (const auto& t : tables) parents[t];
  for (const auto& row : c.exec("SELECT child.relname, parent.relname FROM pg_constraint k "
                                "JOIN pg_class child ON child.oid = k.conrelid "
                                "JOIN pg_class parent ON parent.oid = k.confrelid "
                                "JOIN pg_namespace n ON n.oid = k.connamespace "
                                "WHERE k.contype = 'f' AND n.nspname = current_schema()")) {
    const auto child = row.text(0);
    const auto parent = row.text(1);
    if (child != parent && parents.contains(child) && parents.contains(parent))
      parents[child].insert(parent);
  }
  std::vector<std::string> order;
  std::set<std::string> placed;
  while (order.size() < tables.size()) {
    bool progressed = false;
    for (const auto& t : tables) {
      if (placed.contains(t)) continue;
      if (std::all_of(parents[t].begin(), parents[t].end(),
                      [&](const std::string& p) { return placed.contains(p); })) {
        order.push_back(t);
        placed.insert(t);
        progressed = true;
      }
    }
    if (!progressed) copy_failed("the PostgreSQL schema has a cycle of foreign keys");
  }
  return order;
}

/// A source cell as the text PostgreSQL parses for the column's type (NULL stays NULL).
std::optional<std::string> cell_text(const Row& row, std::size_t col) {
  const Cell& cell = row.cell(col);
  if (std::holds_alternative<std::nullptr_t>(cell)) return std::nullopt;
  if (const auto* i = std::get_if<std::int64_t>(&cell)) return std::to_string(*i);
  if (const auto* d = std::get_if<double>(&cell)) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.17g", *d);
    return std::string(buf);
  }
  return std::get<std::string>(cell);
}

std::int64_t copy_table(Connection& source, Transaction& target, const std::string& table,
                        const std::vector<Column>& columns) {
  std::string select = "SELECT ";
  std::string insert_head = "INSERT INTO " + table + " (";
  for (std::size_t i = 0; i < columns.size(); ++i) {
    select += (i ? ", " : "") + columns[i].name;
    insert_head += (i ? ", " : "") + columns[i].name;
  }
  // rowid order: the order rows were written in, so a row comes after rows it refers to
  // within its own table.
  select += " FROM " + table + " ORDER BY rowid";
  insert_head += ") VALUES ";

  const Result rows = source.exec(select);
  std::int64_t copied = 0;
  std::size_t next = 0;
  while (next < rows.size()) {
    const std::size_t count = std::min(kBatchRows, rows.size() - next);
    std::string sql = insert_head;
    std::vector<std::optional<std::string>> values;
    values.reserve(count * columns.size());
    for (std::size_t r = 0; r < count; ++r) {
      const Row row = rows[next + r];
      sql += r ? ", (" : "(";
      for (std::size_t c = 0; c < columns.size(); ++c) {
        values.push_back(cell_text(row, c));
        sql += (c ? ", CAST($" : "CAST($") + std::to_string(values.size()) + " AS " +
               columns[c].type + ")";
      }
      sql += ")";
    }
    std::vector<Param> params;
    params.reserve(values.size());
    for (const auto& v : values) {
      if (v) params.emplace_back(std::string_view(*v));
      else params.emplace_back(nullptr);
    }
    const Result done = target.exec(sql, params);
    copied += done.affected();
    next += count;
  }
  return copied;
}

}  // namespace

StoreCopyReport copy_store(const std::string& from, const std::string& to,
                           const std::function<void(const TableCopy&)>& progress) {
  if (!from.starts_with("sqlite://"))
    copy_failed("--from must be an sqlite:// database (moving from PostgreSQL is not supported)");
  if (!to.starts_with("postgresql://") && !to.starts_with("postgres://"))
    copy_failed("--to must be a postgresql:// database");
  PoolOptions options;
  options.size = 2;
  auto source = Pool::open(from, options);
  auto target = Pool::open(to, options);

  const auto source_status = migration_status(*source);
  if (source_status.current == 0) copy_failed("the source database has no Crema schema");
  if (!source_status.up_to_date())
    copy_failed("the source database is at schema version " +
                std::to_string(source_status.current) + " of " +
                std::to_string(source_status.latest) + "; run `crema migrate` on it first");
  migrate(*target);

  StoreCopyReport report;
  Transaction tx(target->write());
  // One consistent read of the source for every table.
  source->read_transact([&](Transaction& read) {
    Connection& src = read.connection();
    Connection& dst = tx.connection();
    const auto source_tables = sqlite_tables(src);
    std::vector<std::string> tables;
    for (const auto& t : pg_tables(dst)) {
      if (t == "schema_migrations") continue;  // written by migrate() above
      if (t == "order_day_starts") continue;   // PostgreSQL only: rebuilt below
      if (!source_tables.contains(t))
        copy_failed("the source has no table " + t + " (is it a Crema database?)");
      tables.push_back(t);
    }
    for (const auto& t : source_tables) {
      if (t == "schema_migrations") continue;
      if (std::find(tables.begin(), tables.end(), t) == tables.end()) report.skipped.push_back(t);
    }
    for (const auto& t : tables) {
      if (dst.exec("SELECT COUNT(*) FROM " + t).front().int64(0) > 0)
        copy_failed("the target database already holds rows (table " + t +
                    "); migrate-store fills an empty database only");
    }
    for (const auto& t : parents_first(dst, tables)) {
      auto columns = pg_columns(dst, t);
      const auto have = sqlite_columns(src, t);
      for (const auto& c : columns) {
        if (!have.contains(c.name))
          copy_failed("the source table " + t + " has no column " + c.name);
      }
      TableCopy done{t, copy_table(src, tx, t, columns)};
      const auto in_source = src.exec("SELECT COUNT(*) FROM " + t).front().int64(0);
      if (done.rows != in_source)
        copy_failed("copied " + std::to_string(done.rows) + " rows of " + t +
                    " but the source has " + std::to_string(in_source));
      report.rows += done.rows;
      report.tables.push_back(done);
      if (progress) progress(done);
    }
  });
  // Order numbers on PostgreSQL come from a sequence against each day's first value
  // (migration 0041): a day the source numbered up to N goes on from N + 1.
  tx.exec("SELECT setval('order_number_seq', 1, false)");
  tx.exec(
      "INSERT INTO order_day_starts (business_date, first_seq) "
      "SELECT business_date, 1 - last_number FROM order_counters");
  tx.commit();
  return report;
}

}  // namespace crema::db
