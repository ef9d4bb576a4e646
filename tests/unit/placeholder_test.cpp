#include <gtest/gtest.h>

#include "db/connection.hpp"
#include "db/types.hpp"

namespace crema::db {
namespace {

TEST(Placeholders, DollarNumbersBecomeQuestionNumbers) {
  EXPECT_EQ(rewrite_placeholders_for_sqlite("SELECT * FROM t WHERE a = $1 AND b = $2"),
            "SELECT * FROM t WHERE a = ?1 AND b = ?2");
  EXPECT_EQ(rewrite_placeholders_for_sqlite("VALUES ($10,$2,$123)"), "VALUES (?10,?2,?123)");
  EXPECT_EQ(rewrite_placeholders_for_sqlite("$1"), "?1");
  EXPECT_EQ(rewrite_placeholders_for_sqlite("x=$1+$1"), "x=?1+?1");
  EXPECT_EQ(rewrite_placeholders_for_sqlite(""), "");
}

TEST(Placeholders, StringLiteralsAreLeftAlone) {
  EXPECT_EQ(rewrite_placeholders_for_sqlite("SELECT '$1', $1"), "SELECT '$1', ?1");
  // '' is an escaped quote inside the literal, which goes on.
  EXPECT_EQ(rewrite_placeholders_for_sqlite("SELECT 'it''s $1', $2"), "SELECT 'it''s $1', ?2");
  EXPECT_EQ(rewrite_placeholders_for_sqlite("SELECT '', $1, ''''"), "SELECT '', ?1, ''''");
}

TEST(Placeholders, QuotedIdentifiersAreLeftAlone) {
  EXPECT_EQ(rewrite_placeholders_for_sqlite("SELECT \"$1\" FROM t WHERE x = $1"),
            "SELECT \"$1\" FROM t WHERE x = ?1");
  EXPECT_EQ(rewrite_placeholders_for_sqlite("SELECT \"a\"\"$2\" , $2"), "SELECT \"a\"\"$2\" , ?2");
}

TEST(Placeholders, CommentsAreLeftAlone) {
  EXPECT_EQ(rewrite_placeholders_for_sqlite("SELECT $1 -- and $2\n, $3"),
            "SELECT ?1 -- and $2\n, ?3");
  EXPECT_EQ(rewrite_placeholders_for_sqlite("SELECT $1 -- $2 to the end"),
            "SELECT ?1 -- $2 to the end");
  EXPECT_EQ(rewrite_placeholders_for_sqlite("SELECT /* $1 '$2 */ $3"), "SELECT /* $1 '$2 */ ?3");
  EXPECT_EQ(rewrite_placeholders_for_sqlite("SELECT 1 - $1 - -$2"), "SELECT 1 - ?1 - -?2");
  EXPECT_EQ(rewrite_placeholders_for_sqlite("SELECT 4/$1"), "SELECT 4/?1");
}

TEST(Placeholders, DollarWithoutDigitStays) {
  EXPECT_EQ(rewrite_placeholders_for_sqlite("SELECT $a, $, $$, $1"), "SELECT $a, $, $$, ?1");
  EXPECT_EQ(rewrite_placeholders_for_sqlite("SELECT price$"), "SELECT price$");
}

TEST(Placeholders, UnterminatedQuotesAndCommentsDoNotCrash) {
  EXPECT_EQ(rewrite_placeholders_for_sqlite("SELECT 'open $1"), "SELECT 'open $1");
  EXPECT_EQ(rewrite_placeholders_for_sqlite("SELECT \"open $1"), "SELECT \"open $1");
  EXPECT_EQ(rewrite_placeholders_for_sqlite("SELECT /* open $1"), "SELECT /* open $1");
  EXPECT_EQ(rewrite_placeholders_for_sqlite("SELECT $1 /"), "SELECT ?1 /");
  EXPECT_EQ(rewrite_placeholders_for_sqlite("SELECT $1 -"), "SELECT ?1 -");
}

TEST(ParamKinds, LiteralsPickTheIntendedAlternative) {
  Param text = "abc";  // must not decay to bool
  EXPECT_TRUE(std::holds_alternative<std::string_view>(text));
  Param flag = true;
  EXPECT_TRUE(std::holds_alternative<bool>(flag));
  Param number = std::int64_t{5};
  EXPECT_TRUE(std::holds_alternative<std::int64_t>(number));
  Param real = 2.5;
  EXPECT_TRUE(std::holds_alternative<double>(real));
  Param none = nullptr;
  EXPECT_TRUE(std::holds_alternative<std::nullptr_t>(none));
}

}  // namespace
}  // namespace crema::db
