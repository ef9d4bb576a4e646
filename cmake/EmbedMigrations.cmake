# Compiles migrations/<dialect>/NNNN_name.sql into the binary, so `crema migrate` needs no
# files beside it. The list of files is fixed at configure time (the CONFIGURE_DEPENDS glob
# re-runs CMake when a file is added or removed) and handed to the generator through a list
# file, so the embedded set is always exactly the files that exist.
file(GLOB CREMA_MIGRATION_FILES CONFIGURE_DEPENDS
     ${CMAKE_SOURCE_DIR}/migrations/sqlite/*.sql
     ${CMAKE_SOURCE_DIR}/migrations/postgres/*.sql)
list(SORT CREMA_MIGRATION_FILES)
set(CREMA_MIGRATIONS_CPP ${CMAKE_BINARY_DIR}/generated/migrations_data.cpp)
set(_list_file ${CMAKE_BINARY_DIR}/generated/migration_files.txt)
string(REPLACE ";" "\n" _list_text "${CREMA_MIGRATION_FILES}")
file(CONFIGURE OUTPUT ${_list_file} CONTENT "${_list_text}\n")
add_custom_command(
  OUTPUT ${CREMA_MIGRATIONS_CPP}
  COMMAND ${CMAKE_COMMAND} -DLIST_FILE=${_list_file} -DOUTPUT=${CREMA_MIGRATIONS_CPP}
          -P ${CMAKE_SOURCE_DIR}/cmake/GenerateMigrations.cmake
  DEPENDS ${CREMA_MIGRATION_FILES} ${_list_file} ${CMAKE_SOURCE_DIR}/cmake/GenerateMigrations.cmake
  COMMENT "Embedding SQL migrations")
