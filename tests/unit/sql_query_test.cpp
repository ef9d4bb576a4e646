// repo::SqlQuery: the statement text and the parameter list it builds, on both stores.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "db/connection.hpp"
#include "repo/query.hpp"

namespace crema::repo {
namespace {

// The parameters as text, for comparing lists: NULL, integers, text as 'text'.
std::vector<std::string> sql_query_params(const SqlQuery& q) {
  std::vector<std::string> out;
  for (const auto& p : q.params()) {
    if (std::holds_alternative<std::nullptr_t>(p)) {
      out.emplace_back("NULL");
    } else if (const auto* i = std::get_if<std::int64_t>(&p)) {
      out.push_back(std::to_string(*i));
    } else if (const auto* b = std::get_if<bool>(&p)) {
      out.emplace_back(*b ? "TRUE" : "FALSE");
    } else if (const auto* s = std::get_if<std::string_view>(&p)) {
      out.push_back("'" + std::string(*s) + "'");
    } else {
      out.emplace_back("?");
    }
  }
  return out;
}

TEST(SqlQuery, FirstPageWithoutFiltersHasNoWhere) {
  for (auto dialect : {db::Dialect::sqlite, db::Dialect::postgres}) {
    SqlQuery q(dialect, "SELECT id FROM t");
    q.page("created_at", "id", std::nullopt, SqlQuery::descending, 50);
    EXPECT_EQ(q.sql(), "SELECT id FROM t ORDER BY created_at DESC, id DESC LIMIT $1");
    EXPECT_EQ(sql_query_params(q), (std::vector<std::string>{"51"}));
  }
}

TEST(SqlQuery, OnlyTheFiltersInUseAreWritten) {
  const std::optional<std::string> status = "sent";
  const std::optional<std::string> channel;  // absent: not in the statement
  const std::vector<std::string> types{"a", "b"};
  for (auto dialect : {db::Dialect::sqlite, db::Dialect::postgres}) {
    SqlQuery q(dialect, "SELECT id FROM outbox");
    q.where("kind = 'notification'");
    q.where_eq("status", status);
    q.where_eq("channel", channel);
    q.where_in("type", types);
    q.where_in("user_id", std::vector<std::string>{});
    q.where("created_at >= " + q.param(std::int64_t{1000}));
    q.page("created_at", "id", Keyset{1700000000000, "0190-b"}, SqlQuery::descending, 20);
    EXPECT_EQ(q.sql(),
              "SELECT id FROM outbox WHERE kind = 'notification' AND status = $1 "
              "AND type IN ($2, $3) AND created_at >= $4 AND (created_at, id) < ($5, $6) "
              "ORDER BY created_at DESC, id DESC LIMIT $7");
    EXPECT_EQ(sql_query_params(q), (std::vector<std::string>{"'sent'", "'a'", "'b'", "1000",
                                                             "1700000000000", "'0190-b'", "21"}));
  }
}

// Found by ASan: the keyset's id was kept as a view of the caller's string, so a temporary
// Keyset (a cursor decoded on the way) left the query pointing at freed memory.
TEST(SqlQuery, ATemporaryKeysetIsCopiedIntoTheQuery) {
  SqlQuery q(db::Dialect::sqlite, "SELECT id FROM t");
  q.page("created_at", "id", Keyset{7, std::string(64, 'k')}, SqlQuery::descending, 1);
  std::string clobber(64, 'z');  // reuses the freed stack or heap space
  EXPECT_EQ(sql_query_params(q),
            (std::vector<std::string>{"7", "'" + std::string(64, 'k') + "'", "2"}));
}

TEST(SqlQuery, AscendingKeysetTakesTheRowsAfter) {
  SqlQuery q(db::Dialect::postgres, "SELECT id FROM inventory_logs");
  q.where_eq("actor_id", std::string_view("u1"));
  q.page("created_at", "id", Keyset{5, "x"}, SqlQuery::ascending, 2);
  EXPECT_EQ(q.sql(),
            "SELECT id FROM inventory_logs WHERE actor_id = $1 AND (created_at, id) > ($2, $3) "
            "ORDER BY created_at, id LIMIT $4");
  EXPECT_EQ(sql_query_params(q), (std::vector<std::string>{"'u1'", "5", "'x'", "3"}));
}

TEST(SqlQuery, TextSortKeysAndOwnedTexts) {
  SqlQuery q(db::Dialect::sqlite, "SELECT id FROM inventory_items");
  {
    std::string made = "%milk%";  // gone before exec: text() keeps its own copy
    q.where("name_lower LIKE " + q.text(std::move(made)) + " ESCAPE '\\'");
  }
  q.after("name_lower", "id", std::string_view("milk"), "id-7", SqlQuery::ascending);
  q.order_by("name_lower", "id", SqlQuery::ascending);
  q.limit(11);
  EXPECT_EQ(q.sql(),
            "SELECT id FROM inventory_items WHERE name_lower LIKE $1 ESCAPE '\\' "
            "AND (name_lower, id) > ($2, $3) ORDER BY name_lower, id LIMIT $4");
  EXPECT_EQ(sql_query_params(q), (std::vector<std::string>{"'%milk%'", "'milk'", "'id-7'", "11"}));
  // Many texts: earlier ones stay where they were.
  for (int i = 0; i < 100; ++i) q.text("t" + std::to_string(i));
  EXPECT_EQ(sql_query_params(q)[0], "'%milk%'");
  EXPECT_EQ(sql_query_params(q).back(), "'t99'");
}

TEST(SqlQuery, ForUpdateOnlyOnPostgres) {
  SqlQuery pg(db::Dialect::postgres, "SELECT id FROM orders");
  pg.where_eq("id", std::string_view("o1")).for_update();
  EXPECT_EQ(pg.sql(), "SELECT id FROM orders WHERE id = $1 FOR UPDATE");
  SqlQuery lite(db::Dialect::sqlite, "SELECT id FROM orders");
  lite.where_eq("id", std::string_view("o1")).for_update();
  EXPECT_EQ(lite.sql(), "SELECT id FROM orders WHERE id = $1");
  EXPECT_EQ(sql_query_params(pg), sql_query_params(lite));
}

TEST(SqlQuery, SqliteBindsTheSamePlaceholdersAsNumberedQuestionMarks) {
  // The builder writes $n for both stores; the SQLite driver binds the rewritten text.
  SqlQuery q(db::Dialect::sqlite, "SELECT id FROM users");
  q.where_eq("role", std::string_view("admin"));
  const std::string like = q.text("%an%");
  q.where("(name_fold LIKE " + like + " OR email LIKE " + like + ")");
  q.page("created_at", "id", std::nullopt, SqlQuery::descending, 50);
  EXPECT_EQ(db::rewrite_placeholders_for_sqlite(q.sql()),
            "SELECT id FROM users WHERE role = ?1 AND (name_fold LIKE ?2 OR email LIKE ?2) "
            "ORDER BY created_at DESC, id DESC LIMIT ?3");
  EXPECT_EQ(sql_query_params(q), (std::vector<std::string>{"'admin'", "'%an%'", "51"}));
}

TEST(SqlQuery, BooleansAndMovedQueriesKeepTheirTexts) {
  auto make = [] {
    SqlQuery q(db::Dialect::postgres, "SELECT id FROM drivers");
    q.where_eq("is_active", true);
    q.where("name = " + q.text("short"));  // a short string lives inside its std::string
    return q;
  };
  SqlQuery q = make();
  EXPECT_EQ(q.sql(), "SELECT id FROM drivers WHERE is_active = $1 AND name = $2");
  EXPECT_EQ(sql_query_params(q), (std::vector<std::string>{"TRUE", "'short'"}));
}

}  // namespace
}  // namespace crema::repo
