# ppp2p_use_plugin(<target> [NO_RUNTIME]): compile <target>'s sources with the in-tree plugin and
# link the runtime (what the exported ppp2p::ppp2p target does for users). Sources are
# recompiled when the plugin changes. NO_RUNTIME: the target compiles the runtime itself.
function(ppp2p_use_plugin target)
  cmake_parse_arguments(PARSE_ARGV 1 arg "NO_RUNTIME" "" "")
  set(plugin ${PROJECT_BINARY_DIR}/lib/ppp2p-plugin.so)
  target_compile_options(${target} PRIVATE -fplugin=${plugin})
  if(arg_NO_RUNTIME)
    target_include_directories(${target} PRIVATE ${PROJECT_SOURCE_DIR}/include)
    target_link_libraries(${target} PRIVATE xxhash)
  else()
    target_link_libraries(${target} PRIVATE ppp2p_runtime)
  endif()
  add_dependencies(${target} ppp2p-plugin)
  get_target_property(sources ${target} SOURCES)
  set_property(SOURCE ${sources} TARGET_DIRECTORY ${target} APPEND PROPERTY OBJECT_DEPENDS ${plugin})
endfunction()
