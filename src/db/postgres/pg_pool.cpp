#include "db/postgres/pg_pool.hpp"

#include "db/connection_slots.hpp"
#include "db/postgres/pg_connection.hpp"

namespace crema::db {

namespace {

constexpr std::chrono::milliseconds kReconnectInterval{250};

class PgPool final : public Pool {
 public:
  PgPool(const std::string& url, const PoolOptions& options)
      : acquire_timeout_(options.acquire_timeout),
        slots_(
            "PostgreSQL", options.size, [url] { return std::make_unique<PgConnection>(url); },
            [](Connection& c) { return static_cast<PgConnection&>(c).idle_alive(); },
            kReconnectInterval) {
    slots_.prime();
  }

  Dialect dialect() const noexcept override { return Dialect::postgres; }
  Lease read() override { return Lease(this, slots_.acquire(acquire_timeout_), false); }
  Lease write() override { return Lease(this, slots_.acquire(acquire_timeout_), true); }
  int in_use() const noexcept override { return slots_.in_use(); }

 protected:
  void release(Connection* conn, bool) noexcept override {
    static_cast<PgConnection*>(conn)->end_lease();
    slots_.release(conn);
  }

 private:
  std::chrono::milliseconds acquire_timeout_;
  ConnectionSlots slots_;
};

}  // namespace

std::unique_ptr<Pool> open_pg_pool(const std::string& url, const PoolOptions& options) {
  return std::make_unique<PgPool>(url, options);
}

}  // namespace crema::db
