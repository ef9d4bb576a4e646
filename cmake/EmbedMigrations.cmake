# Compiles migrations/<dialect>/NNNN_name.sql into the binary, so `crema migrate` needs no
# files beside it. The generated source is rebuilt whenever a migration file changes.
file(GLOB CREMA_MIGRATION_FILES CONFIGURE_DEPENDS
     ${CMAKE_SOURCE_DIR}/migrations/sqlite/*.sql
     ${CMAKE_SOURCE_DIR}/migrations/postgres/*.sql)
set(CREMA_MIGRATIONS_CPP ${CMAKE_BINARY_DIR}/generated/migrations_data.cpp)
add_custom_command(
  OUTPUT ${CREMA_MIGRATIONS_CPP}
  COMMAND ${CMAKE_COMMAND} -DSOURCE_DIR=${CMAKE_SOURCE_DIR}/migrations
          -DOUTPUT=${CREMA_MIGRATIONS_CPP}
          -P ${CMAKE_SOURCE_DIR}/cmake/GenerateMigrations.cmake
  DEPENDS ${CREMA_MIGRATION_FILES} ${CMAKE_SOURCE_DIR}/cmake/GenerateMigrations.cmake
  COMMENT "Embedding SQL migrations")
