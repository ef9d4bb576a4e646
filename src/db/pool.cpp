#include "db/pool.hpp"

#include "db/postgres/pg_pool.hpp"
#include "db/sqlite/sqlite_pool.hpp"

namespace crema::db {

Lease::Lease(Lease&& o) noexcept : pool_(o.pool_), conn_(o.conn_), writer_(o.writer_) {
  o.pool_ = nullptr;
  o.conn_ = nullptr;
}

Lease::~Lease() {
  if (pool_ && conn_) pool_->release(conn_, writer_);
}

namespace {
std::string_view begin_statement(Dialect dialect, bool writer) {
  if (dialect == Dialect::sqlite) return writer ? "BEGIN IMMEDIATE" : "BEGIN";
  // Read committed for writers (conditional updates re-check their WHERE on the newest
  // row); one snapshot for readers, as a SQLite reader gets.
  return writer ? "BEGIN" : "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY";
}
}  // namespace

Transaction::Transaction(Lease lease)
    : lease_(std::move(lease)), span_("db transaction", obs::SpanKind::client) {
  if (span_.active())
    span_.attr("db.system", lease_->dialect() == Dialect::sqlite ? "sqlite" : "postgresql")
        .attr("db.read_only", !lease_.writer());
  lease_->begin(begin_statement(lease_->dialect(), lease_.writer()));
}

Transaction::~Transaction() {
  if (done_) return;
  if (span_.active()) span_.attr("db.rolled_back", true);
  try {
    lease_->end("ROLLBACK");
  } catch (const Error&) {
    // The connection is broken or the transaction already ended; the pool checks the
    // connection's state when the lease returns it.
  }
}

void Transaction::commit() {
  lease_->end("COMMIT");
  done_ = true;
}

std::unique_ptr<Pool> Pool::open(const std::string& url, const PoolOptions& options) {
  std::string_view u = url;
  if (u.starts_with("sqlite://")) return open_sqlite_pool(u.substr(9), options);
  if (u.starts_with("postgresql://") || u.starts_with("postgres://"))
    return open_pg_pool(url, options);
  auto colon = u.find(':');
  throw Error(Error::Kind::other,
              "unsupported database URL scheme \"" +
                  std::string(u.substr(0, colon == std::string_view::npos ? 0 : colon)) +
                  "\" (expected sqlite://, postgresql:// or postgres://)");
}

}  // namespace crema::db
