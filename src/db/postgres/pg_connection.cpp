#include "db/postgres/pg_connection.hpp"

#include <libpq-fe.h>
#include <poll.h>

#include <memory>

#include "db/number_text.hpp"
#include "util/secret_text.hpp"

namespace crema::db {

namespace {

// Type OIDs from pg_type.dat; stable across PostgreSQL versions.
constexpr Oid kBoolOid = 16;
constexpr Oid kInt8Oid = 20;
constexpr Oid kInt2Oid = 21;
constexpr Oid kInt4Oid = 23;
constexpr Oid kTextOid = 25;
constexpr Oid kFloat4Oid = 700;
constexpr Oid kFloat8Oid = 701;

// Statements come from code; the bound only protects against dynamically built SQL.
constexpr std::size_t kMaxPreparedStatements = 512;

using ResultPtr = PgConnection::ResultHandle;

// libpq messages end with a newline and may span lines; logs want one line.
std::string one_line(const char* text) {
  std::string out;
  for (const char* p = text ? text : ""; *p; ++p) {
    if (*p == '\n' || *p == '\t') {
      if (!out.empty() && out.back() != ' ') out += ' ';
    } else {
      out += *p;
    }
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

bool result_ok(const PGresult* res) {
  if (!res) return false;
  const auto st = PQresultStatus(res);
  return st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK || st == PGRES_EMPTY_QUERY;
}

std::string_view sqlstate_of(const PGresult* res) {
  const char* s = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
  return s ? std::string_view(s) : std::string_view();
}

// A prepared statement made invalid by a schema change (or gone from the server) can be
// prepared again; any other error stands.
bool statement_went_stale(const PGresult* res) {
  const std::string_view state = sqlstate_of(res);
  if (state == "26000") return true;  // invalid_sql_statement_name
  if (state != "0A000") return false;
  const char* msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
  return msg && std::string_view(msg).starts_with("cached plan must not change result type");
}

Cell convert_cell(const char* value, int length, Oid type) {
  const std::string_view text(value, static_cast<std::size_t>(length));
  switch (type) {
    case kInt2Oid:
    case kInt4Oid:
    case kInt8Oid:
      if (auto v = detail::parse_int64(text)) return *v;
      break;
    case kFloat4Oid:
    case kFloat8Oid:
      if (auto v = detail::parse_double(text)) return *v;
      break;
    case kBoolOid:
      return std::int64_t{text == "t" ? 1 : 0};
    default:
      break;
  }
  return std::string(text);
}

Result convert_result(const PGresult* res) {
  const int nrows = PQntuples(res);
  const int ncols = PQnfields(res);
  std::vector<std::string> columns;
  std::vector<Oid> types;
  columns.reserve(static_cast<std::size_t>(ncols));
  types.reserve(static_cast<std::size_t>(ncols));
  for (int c = 0; c < ncols; ++c) {
    columns.emplace_back(PQfname(res, c));
    types.push_back(PQftype(res, c));
  }
  std::vector<Cell> cells;
  cells.reserve(static_cast<std::size_t>(nrows) * static_cast<std::size_t>(ncols));
  for (int r = 0; r < nrows; ++r) {
    for (int c = 0; c < ncols; ++c) {
      if (PQgetisnull(res, r, c)) cells.emplace_back(nullptr);
      else
        cells.push_back(convert_cell(PQgetvalue(res, r, c), PQgetlength(res, r, c),
                                     types[static_cast<std::size_t>(c)]));
    }
  }
  std::int64_t affected = 0;
  if (auto n = detail::parse_int64(PQcmdTuples(const_cast<PGresult*>(res)))) affected = *n;
  else if (PQresultStatus(res) == PGRES_TUPLES_OK) affected = nrows;
  return Result(std::move(columns), std::move(cells), affected);
}

}  // namespace

Error::Kind pg_error_kind(std::string_view state, bool connection_bad) noexcept {
  if (connection_bad) return Error::Kind::unavailable;
  if (state == "23505") return Error::Kind::unique_violation;
  if (state == "23503") return Error::Kind::foreign_key_violation;
  if (state == "23514") return Error::Kind::check_violation;
  if (state == "23502") return Error::Kind::not_null_violation;
  if (state == "40001" || state == "40P01") return Error::Kind::retryable;
  if (state.starts_with("08") || state == "57P01" || state == "57P02" || state == "57P03" ||
      state == "53300")
    return Error::Kind::unavailable;
  return Error::Kind::other;
}

PgConnection::PgConnection(const std::string& url) {
  // Defaults come before "dbname": libpq expands the URL there, and what it sets
  // overrides them, so a URL that names its own timeout or keepalives keeps them.
  // Keepalives find a dead idle connection; tcp_user_timeout bounds how long a request
  // sent to a vanished host waits for the network instead of the kernel's ~15 minutes.
  const char* const keys[] = {"connect_timeout",  "keepalives",
                              "keepalives_idle",  "keepalives_interval",
                              "keepalives_count", "tcp_user_timeout",
                              "application_name", "client_encoding",
                              "dbname",           nullptr};
  const char* const values[] = {"3",     "1",     "30",   "10",        "3",
                                "10000", "crema", "UTF8", url.c_str(), nullptr};
  conn_ = PQconnectdbParams(keys, values, /*expand_dbname=*/1);
  if (!conn_) throw Error(Error::Kind::unavailable, "PostgreSQL: out of memory while connecting");
  if (PQstatus(conn_) != CONNECTION_OK) {
    // libpq quotes a malformed URL whole in some messages: never its password.
    std::string msg =
        util::hide("PostgreSQL: " + one_line(PQerrorMessage(conn_)), util::url_password(url));
    PQfinish(conn_);
    conn_ = nullptr;
    throw Error(Error::Kind::unavailable, std::move(msg));
  }
  // Notices ("there is no transaction in progress", "relation exists, skipping") are
  // expected and would otherwise go to stderr, outside the JSON log.
  PQsetNoticeProcessor(
      conn_, [](void*, const char*) {}, nullptr);
}

PgConnection::~PgConnection() { PQfinish(conn_); }

void PgConnection::ResultFree::operator()(pg_result* r) const noexcept { PQclear(r); }

bool PgConnection::healthy() const noexcept { return healthy_ && PQstatus(conn_) == CONNECTION_OK; }

void PgConnection::fail(PGresult* raw, std::string_view context) {
  ResultPtr res(raw);
  const std::string state(sqlstate_of(res.get()));
  const bool bad = PQstatus(conn_) == CONNECTION_BAD;
  const Error::Kind kind = pg_error_kind(state, bad);
  if (kind == Error::Kind::unavailable) healthy_ = false;
  // The primary message only: DETAIL may quote row values (emails, names) into the logs.
  const char* primary = res ? PQresultErrorField(res.get(), PG_DIAG_MESSAGE_PRIMARY) : nullptr;
  std::string msg = "PostgreSQL: " + one_line(primary ? primary : PQerrorMessage(conn_));
  if (!context.empty() && kind != Error::Kind::unavailable) {
    msg += " (in: ";
    msg += context.substr(0, 200);
    msg += ")";
  }
  throw Error(kind, std::move(msg), state);
}

const PgConnection::Prepared& PgConnection::prepare(const std::string& key, std::string_view sql,
                                                    const std::vector<unsigned>& types) {
  if (auto it = prepared_.find(key); it != prepared_.end()) return it->second;
  if (prepared_.size() >= kMaxPreparedStatements && PQtransactionStatus(conn_) != PQTRANS_INERROR) {
    // DEALLOCATE is allowed inside a transaction and is not undone by a rollback.
    ResultPtr res(PQexec(conn_, "DEALLOCATE ALL"));
    if (!result_ok(res.get())) fail(res.release(), "DEALLOCATE ALL");
    prepared_.clear();
    stale_.clear();
  }
  std::string name = "crema_" + std::to_string(++next_statement_);
  const std::string text(sql);
  ResultPtr res(
      PQprepare(conn_, name.c_str(), text.c_str(), static_cast<int>(types.size()), types.data()));
  if (!result_ok(res.get())) fail(res.release(), sql);
  // The server's parameter count, so that a call with too few or too many parameters is
  // told so plainly (the server would answer with a protocol-violation SQLSTATE).
  ResultPtr desc(PQdescribePrepared(conn_, name.c_str()));
  if (!result_ok(desc.get())) fail(desc.release(), sql);
  const int nparams = PQnparams(desc.get());
  return prepared_.emplace(key, Prepared{std::move(name), nparams}).first->second;
}

PgConnection::Bound PgConnection::bind(std::string_view sql, std::span<const Param> params) {
  // Parameters go as text with their types, so `$1 + 1`, `SELECT $1` or `$1 IS NULL`
  // mean the same as on SQLite: int64 is bigint, double float8, bool boolean, and strings
  // are text (the portable schema keeps ids, JSON and names in TEXT columns). NULL stays
  // untyped so that it fits any column. The statement cache key includes the type
  // signature, since the same SQL text may be run with different parameter kinds.
  const std::size_t n = params.size();
  Bound b;
  b.sql_size = sql.size();
  b.storage.resize(n);
  b.values.assign(n, nullptr);
  b.types.assign(n, 0);
  b.key = std::string(sql);
  b.key += '\x1f';
  for (std::size_t i = 0; i < n; ++i) {
    const Param& p = params[i];
    if (std::holds_alternative<std::nullptr_t>(p)) {
      b.key += 'n';
      continue;
    }
    if (const auto* v = std::get_if<std::int64_t>(&p)) {
      b.storage[i] = std::to_string(*v);
      b.types[i] = kInt8Oid;
      b.key += 'i';
    } else if (const auto* d = std::get_if<double>(&p)) {
      b.storage[i] = detail::format_double(*d);
      b.types[i] = kFloat8Oid;
      b.key += 'd';
    } else if (const auto* flag = std::get_if<bool>(&p)) {
      b.storage[i] = *flag ? "true" : "false";
      b.types[i] = kBoolOid;
      b.key += 'b';
    } else {
      b.storage[i] = std::string(std::get<std::string_view>(p));  // libpq wants NUL-terminated
      b.types[i] = kTextOid;
      b.key += 's';
    }
  }
  // After the loop: the strings no longer move.
  for (std::size_t i = 0; i < n; ++i)
    if (!std::holds_alternative<std::nullptr_t>(params[i])) b.values[i] = b.storage[i].c_str();
  return b;
}

Result PgConnection::exec(std::string_view sql, std::span<const Param> params) {
  Bound one[] = {bind(sql, params)};
  return std::move(run(one).front());
}

std::vector<Result> PgConnection::exec_all(std::span<const Statement> statements) {
  std::vector<Bound> bound;
  bound.reserve(statements.size());
  for (const auto& st : statements) bound.push_back(bind(st.sql, st.params));
  return run(bound);
}

void PgConnection::exec_soon(std::string_view sql, std::span<const Param> params,
                             std::function<void(Result&&)> done) {
  soon_.push_back({bind(sql, params), std::move(done)});
}

void PgConnection::exec_later(std::string_view sql, std::span<const Param> params) {
  soon_.push_back({bind(sql, params), nullptr});
}

void PgConnection::flush_soon() {
  if (!soon_.empty()) run_with_soon({});
}

std::vector<Result> PgConnection::run(std::span<Bound> statements) {
  return soon_.empty() ? run_now(statements) : run_with_soon(statements);
}

std::vector<Result> PgConnection::run_with_soon(std::span<Bound> statements) {
  std::vector<Soon> soon = std::move(soon_);
  soon_.clear();
  std::vector<Bound> all;
  all.reserve(soon.size() + statements.size());
  for (auto& s : soon) all.push_back(std::move(s.bound));  // the strings stay where they are
  for (auto& b : statements) all.push_back(std::move(b));
  auto results = run_now(all);
  for (std::size_t i = 0; i < soon.size(); ++i)
    if (soon[i].done) soon[i].done(std::move(results[i]));
  results.erase(results.begin(), results.begin() + static_cast<std::ptrdiff_t>(soon.size()));
  return results;
}

std::vector<Result> PgConnection::run_now(std::span<Bound> statements) {
  for (int attempt = 0;; ++attempt) {
    std::vector<std::string> names;
    names.reserve(statements.size());
    for (auto& b : statements) {
      const Prepared& prepared = prepare(b.key, b.sql(), b.types);
      if (prepared.params != static_cast<int>(b.values.size()))
        throw Error(Error::Kind::other,
                    "PostgreSQL: statement takes " + std::to_string(prepared.params) +
                        " parameters but " + std::to_string(b.values.size()) +
                        " were given (in: " + std::string(b.sql().substr(0, 200)) + ")");
      names.push_back(prepared.name);
    }
    std::vector<ResultPtr> results;
    if (statements.size() == 1 && pending_begin_.empty()) {
      results.emplace_back(PQexecPrepared(conn_, names[0].c_str(),
                                          static_cast<int>(statements[0].values.size()),
                                          statements[0].values.data(), nullptr, nullptr, 0));
    } else {
      results = pipeline(statements, names);
    }
    std::vector<Result> out;
    out.reserve(results.size());
    for (std::size_t i = 0; i < results.size(); ++i) {
      PGresult* res = results[i].get();
      if (result_ok(res)) {
        out.push_back(convert_result(res));
        continue;
      }
      if (attempt == 0 && statement_went_stale(res)) {
        prepared_.erase(statements[i].key);
        stale_.push_back(names[i]);
        // Outside a transaction the statements can simply be prepared and run again (a
        // pipeline's statements share one implicit transaction, so none of them stayed).
        // Inside one the transaction is already aborted: the whole unit of work must start
        // over.
        if (PQtransactionStatus(conn_) == PQTRANS_IDLE) break;
        throw Error(Error::Kind::retryable,
                    "PostgreSQL: a prepared statement went stale after a schema change",
                    std::string(sqlstate_of(res)));
      }
      fail(results[i].release(), statements[i].sql());
    }
    if (out.size() == results.size()) return out;
  }
}

void PgConnection::begin(std::string_view begin_sql) { pending_begin_ = std::string(begin_sql); }

void PgConnection::end(std::string_view end_sql) {
  // Reads still pending are dropped (their callbacks may point into scopes already left);
  // writes go with COMMIT, in its round trip.
  std::vector<Bound> writes;
  if (end_sql == "COMMIT")
    for (auto& s : soon_)
      if (!s.done) writes.push_back(std::move(s.bound));
  soon_.clear();
  if (writes.empty()) {
    if (!pending_begin_.empty()) {
      pending_begin_.clear();  // nothing ran: there is no transaction on the server to end
      return;
    }
    exec(end_sql, {});
    return;
  }
  writes.push_back(bind(end_sql, {}));
  run_now(writes);
}

void PgConnection::flush_begin() {
  if (pending_begin_.empty()) return;
  const std::string begin = std::move(pending_begin_);
  pending_begin_.clear();
  ResultPtr res(PQexec(conn_, begin.c_str()));
  if (!result_ok(res.get())) fail(res.release(), begin);
}

std::vector<PgConnection::ResultHandle> PgConnection::pipeline(
    std::span<const Bound> statements, const std::vector<std::string>& names) {
  const std::string begin = std::move(pending_begin_);
  pending_begin_.clear();
  std::vector<ResultPtr> out(statements.size());
  if (PQenterPipelineMode(conn_) != 1) {
    // Only possible with results left unread, which never happens between statements;
    // one round trip per statement then.
    if (!begin.empty()) {
      ResultPtr res(PQexec(conn_, begin.c_str()));
      if (!result_ok(res.get())) {
        out[0] = std::move(res);
        return out;
      }
    }
    for (std::size_t i = 0; i < statements.size(); ++i) {
      out[i].reset(PQexecPrepared(conn_, names[i].c_str(),
                                  static_cast<int>(statements[i].values.size()),
                                  statements[i].values.data(), nullptr, nullptr, 0));
      if (!result_ok(out[i].get())) break;
    }
    return out;
  }
  // [BEGIN,] the statements and one sync in one write. The server answers each in turn
  // (PIPELINE_ABORTED for those after a failure) and then the sync marker; every answer is
  // read before leaving pipeline mode, so the connection is idle again whatever happened.
  bool sent = begin.empty() || PQsendQueryParams(conn_, begin.c_str(), 0, nullptr, nullptr, nullptr,
                                                 nullptr, 0) == 1;
  for (std::size_t i = 0; sent && i < statements.size(); ++i)
    sent =
        PQsendQueryPrepared(conn_, names[i].c_str(), static_cast<int>(statements[i].values.size()),
                            statements[i].values.data(), nullptr, nullptr, 0) == 1;
  sent = sent && PQpipelineSync(conn_) == 1;
  const std::size_t answers = statements.size() + (begin.empty() ? 0 : 1);
  std::vector<ResultPtr> got(answers);
  bool synced = false;
  if (sent) {
    for (auto& result : got) {
      while (PGresult* r = PQgetResult(conn_)) {
        if (PQresultStatus(r) == PGRES_PIPELINE_SYNC) {
          PQclear(r);
          synced = true;
          break;
        }
        if (!result) result.reset(r);
        else PQclear(r);
      }
      if (synced || PQstatus(conn_) == CONNECTION_BAD) break;
    }
    while (!synced && PQstatus(conn_) != CONNECTION_BAD) {
      PGresult* r = PQgetResult(conn_);
      if (!r) break;
      synced = PQresultStatus(r) == PGRES_PIPELINE_SYNC;
      PQclear(r);
    }
  }
  if (!synced || PQexitPipelineMode(conn_) != 1) healthy_ = false;
  std::size_t at = 0;
  if (!begin.empty()) {
    if (!result_ok(got[0].get())) {
      out[0] = std::move(got[0]);  // BEGIN failed: report that, not the aborted statements
      return out;
    }
    at = 1;
  }
  for (std::size_t i = 0; i < statements.size(); ++i) out[i] = std::move(got[at + i]);
  return out;
}

void PgConnection::exec_script(std::string_view sql) {
  flush_begin();
  const std::string text(sql);
  ResultPtr res(PQexec(conn_, text.c_str()));
  if (!result_ok(res.get())) fail(res.release(), {});
}

bool PgConnection::idle_alive() noexcept {
  if (!healthy()) return false;
  // While idle, the server only writes to say something unprompted: a notice, or a FATAL
  // error followed by closing the socket. A closed socket stays readable, so keep
  // consuming until nothing is left to read or libpq sees the end of the connection.
  for (int i = 0; i < 4; ++i) {
    pollfd fd{PQsocket(conn_), POLLIN, 0};
    if (poll(&fd, 1, 0) <= 0) return true;
    if (!PQconsumeInput(conn_) || PQstatus(conn_) != CONNECTION_OK) {
      healthy_ = false;
      return false;
    }
    while (PGnotify* note = PQnotifies(conn_)) PQfreemem(note);
  }
  return true;
}

void PgConnection::end_lease() noexcept {
  pending_begin_.clear();
  soon_.clear();
  if (!healthy()) return;
  if (PQtransactionStatus(conn_) != PQTRANS_IDLE) {
    ResultPtr res(PQexec(conn_, "ROLLBACK"));
    if (PQtransactionStatus(conn_) != PQTRANS_IDLE) {
      healthy_ = false;
      return;
    }
  }
  for (const std::string& name : stale_) {
    const std::string sql = "DEALLOCATE " + name;
    ResultPtr res(PQexec(conn_, sql.c_str()));  // 26000 (already gone) is fine too
  }
  stale_.clear();
}

}  // namespace crema::db
