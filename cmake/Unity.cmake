# Unity builds (docs/ARCHITECTURE.md, "Build"): the .cpp files of one directory are compiled in
# batches of about CREMA_UNITY_BATCH_SIZE, each batch as one translation unit, so the headers
# and the inline code they share (Boost.JSON, the standard library, GoogleTest) are compiled
# once per batch instead of once per file. A hash of the file's name picks one of its
# directory's ceil(files / batch size) batches (the next one when that one is full), so adding
# a file usually changes one batch, not all that follow it.
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
  set(_dirs "")
  foreach(_f IN LISTS _files)
    cmake_path(GET _f PARENT_PATH _dir)
    string(MD5 _key "${_dir}")
    list(APPEND _dirs "${_dir}")
    list(APPEND _files_${_key} "${_f}")
  endforeach()
  list(REMOVE_DUPLICATES _dirs)
  foreach(_dir IN LISTS _dirs)
    string(MD5 _key "${_dir}")
    set(_dir_files ${_files_${_key}})
    list(SORT _dir_files)
    list(LENGTH _dir_files _n)
    math(EXPR _batches "(${_n} + ${CREMA_UNITY_BATCH_SIZE} - 1) / ${CREMA_UNITY_BATCH_SIZE}")
    math(EXPR _cap "(${_n} + ${_batches} - 1) / ${_batches} + 1")
    cmake_path(RELATIVE_PATH _dir BASE_DIRECTORY "${PROJECT_SOURCE_DIR}" OUTPUT_VARIABLE _rel)
    foreach(_i RANGE ${_batches})
      set(_size_${_i} 0)
    endforeach()
    # The batch a hash of the file name picks, or the next one with room (at most _cap files).
    foreach(_f IN LISTS _dir_files)
      cmake_path(GET _f FILENAME _name)
      string(MD5 _hash "${_name}")
      string(SUBSTRING "${_hash}" 0 7 _hash)
      math(EXPR _batch "0x${_hash} % ${_batches}")
      while(_size_${_batch} GREATER_EQUAL _cap)
        math(EXPR _batch "(${_batch} + 1) % ${_batches}")
      endwhile()
      math(EXPR _size_${_batch} "${_size_${_batch}} + 1")
      string(MAKE_C_IDENTIFIER "${_rel}_${_batch}" _group)
      set_source_files_properties("${_f}" PROPERTIES UNITY_GROUP "${_group}")
    endforeach()
  endforeach()
  set_target_properties(${target} PROPERTIES UNITY_BUILD ON UNITY_BUILD_MODE GROUP)
  # GCC's -Wsubobject-linkage is a rule for headers: a type with internal linkage used by one
  # with external linkage, in a file other than the main one. In a batch every .cpp is an
  # included file, so it fires on each .cpp's own file-local types (net/'s coroutine frames) —
  # not a header problem. Kept on in non-unity builds (-DCREMA_UNITY_BUILD=OFF), where it
  # still guards the real headers.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    target_compile_options(${target} PRIVATE -Wno-subobject-linkage)
  endif()
endfunction()
