# onednn.cmake — the oneDNN backend, src/backend/onednn/ (Debian libdnnl-dev, C API dnnl.h).
#
# With oneDNN found, the backend's sources are compiled, PDSAFE_HAVE_ONEDNN is
# defined for the library sources (src/backend/registry.c then lists the
# backend) and libdnnl plus GNU OpenMP (the runtime Debian's oneDNN is built
# against; the executor sets each of its own threads' team size with
# omp_set_num_threads) are linked. Without it the library builds with the
# reference backend only.
option(PDSAFE_ONEDNN "Use oneDNN for the fast kernels when it is installed" ON)

set(PDSAFE_HAVE_ONEDNN OFF)
if(PDSAFE_ONEDNN)
  find_path(DNNL_INCLUDE_DIR NAMES oneapi/dnnl/dnnl.h dnnl.h)
  find_library(DNNL_LIBRARY NAMES dnnl)
  find_package(OpenMP COMPONENTS C)
  if(DNNL_INCLUDE_DIR AND DNNL_LIBRARY AND OpenMP_C_FOUND)
    set(PDSAFE_HAVE_ONEDNN ON)
  else()
    message(WARNING "pdsafe: oneDNN (libdnnl-dev) or OpenMP not found; building the reference "
                    "kernels only (scripts/setup.sh installs libdnnl-dev)")
  endif()
endif()

if(PDSAFE_HAVE_ONEDNN)
  message(STATUS "pdsafe: oneDNN backend: ${DNNL_LIBRARY}")
  file(GLOB PDSAFE_ONEDNN_SOURCES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/src/backend/onednn/*.c)
  target_sources(pdsafe_objects PRIVATE ${PDSAFE_ONEDNN_SOURCES})
  target_compile_definitions(pdsafe_objects PUBLIC PDSAFE_HAVE_ONEDNN=1)
  target_include_directories(pdsafe_objects PUBLIC ${DNNL_INCLUDE_DIR})
  # Elsewhere only the omp.h declarations are needed; gemv.c, the one source
  # with an OpenMP loop, enters a parallel region only for a team of two or
  # more (a 1-thread job, which may run on a caller's thread, loops without).
  target_include_directories(pdsafe_objects PUBLIC ${OpenMP_C_INCLUDE_DIRS})
  separate_arguments(_pdsafe_omp_flags UNIX_COMMAND "${OpenMP_C_FLAGS}")
  set_source_files_properties(${CMAKE_SOURCE_DIR}/src/backend/onednn/gemv.c PROPERTIES
                              COMPILE_OPTIONS "${_pdsafe_omp_flags}")
  target_link_libraries(pdsafe_objects PUBLIC ${DNNL_LIBRARY} ${OpenMP_C_LIBRARIES})
  target_link_libraries(pdsafe PRIVATE ${DNNL_LIBRARY} ${OpenMP_C_LIBRARIES})
  target_link_libraries(pdsafe_static PUBLIC ${DNNL_LIBRARY} ${OpenMP_C_LIBRARIES})
  set(PDSAFE_PC_LIBS_PRIVATE "-ldnnl -lgomp")
else()
  set(PDSAFE_PC_LIBS_PRIVATE "")
endif()
