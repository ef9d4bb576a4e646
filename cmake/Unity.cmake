# Unity builds (docs/ARCHITECTURE.md, "Build"): the .cpp files of one directory are compiled in
# batches of about CREMA_UNITY_BATCH_SIZE, each batch as one translation unit, so the headers
# and the inline code they share (Boost.JSON, the standard library, GoogleTest) are compiled
# once per batch instead of once per file. A file's batch depends only on its directory, its
# name and how many files the directory has (a hash of the name picks one of
# ceil(files / batch size) batches), so adding a file changes one batch, not all that follow.
#
# Files of one batch see each other's file-local names; cmake/unity_names.py (run on every
# build of the target, whatever CREMA_UNITY_BUILD says) keeps that harmless: no file-local name
# twice in a directory, no macro left defined, no namespace-scope `using namespace`.
option(CREMA_UNITY_BUILD "Compile each directory's sources in batches (faster cold builds)" ON)
set(CREMA_UNITY_BATCH_SIZE 6 CACHE STRING "About how many .cpp files one unity batch holds")
find_package(Python3 COMPONENTS Interpreter)

# crema_unity_build(TARGET): batches TARGET's own .cpp files (not generated ones) and checks
# their file-local names.
function(crema_unity_build target)
  get_target_property(_sources ${target} SOURCES)
  get_target_property(_source_dir ${target} SOURCE_DIR)
  set(_files "")
  foreach(_s IN LISTS _sources)
    if(NOT _s MATCHES "\\.cpp$")
      continue()
    endif()
    cmake_path(ABSOLUTE_PATH _s BASE_DIRECTORY "${_source_dir}" NORMALIZE OUTPUT_VARIABLE _abs)
    cmake_path(IS_PREFIX PROJECT_BINARY_DIR "${_abs}" NORMALIZE _generated)
    if(NOT _generated)
      list(APPEND _files "${_abs}")
    endif()
  endforeach()

  if(Python3_Interpreter_FOUND)
    set(_stamp ${CMAKE_CURRENT_BINARY_DIR}/${target}.unity_names)
    add_custom_command(
      OUTPUT ${_stamp}
      COMMAND ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/cmake/unity_names.py
              --root ${PROJECT_SOURCE_DIR} ${_files}
      COMMAND ${CMAKE_COMMAND} -E touch ${_stamp}
      DEPENDS ${_files} ${PROJECT_SOURCE_DIR}/cmake/unity_names.py
      COMMENT "Checking the file-local names of ${target} (unity build rule)"
      VERBATIM)
    add_custom_target(${target}_unity_names DEPENDS ${_stamp})
    add_dependencies(${target} ${target}_unity_names)
  else()
    message(WARNING "python3 not found: the unity build's name check (cmake/unity_names.py) "
                    "does not run for ${target}")
  endif()

  if(NOT CREMA_UNITY_BUILD)
    return()
  endif()
  foreach(_f IN LISTS _files)
    cmake_path(GET _f PARENT_PATH _dir)
    string(MD5 _key "${_dir}")
    math(EXPR _count_${_key} "${_count_${_key}}+1")
  endforeach()
  foreach(_f IN LISTS _files)
    cmake_path(GET _f PARENT_PATH _dir)
    cmake_path(GET _f FILENAME _name)
    string(MD5 _key "${_dir}")
    math(EXPR _batches "(${_count_${_key}} + ${CREMA_UNITY_BATCH_SIZE} - 1) / ${CREMA_UNITY_BATCH_SIZE}")
    string(MD5 _hash "${_name}")
    string(SUBSTRING "${_hash}" 0 7 _hash)
    math(EXPR _batch "0x${_hash} % ${_batches}")
    cmake_path(RELATIVE_PATH _dir BASE_DIRECTORY "${PROJECT_SOURCE_DIR}" OUTPUT_VARIABLE _rel)
    string(MAKE_C_IDENTIFIER "${_rel}_${_batch}" _group)
    set_source_files_properties("${_f}" PROPERTIES UNITY_GROUP "${_group}")
  endforeach()
  set_target_properties(${target} PROPERTIES UNITY_BUILD ON UNITY_BUILD_MODE GROUP)
endfunction()
