# ppp2p_use_plugin(<target>): compile <target>'s sources with the in-tree plugin and link the
# runtime (what the exported ppp2p::ppp2p target does for users). Sources are recompiled when
# the plugin changes.
function(ppp2p_use_plugin target)
  set(plugin ${PROJECT_BINARY_DIR}/lib/ppp2p-plugin.so)
  target_compile_options(${target} PRIVATE -fplugin=${plugin})
  target_link_libraries(${target} PRIVATE ppp2p_runtime)
  add_dependencies(${target} ppp2p-plugin)
  get_target_property(sources ${target} SOURCES)
  set_property(SOURCE ${sources} TARGET_DIRECTORY ${target} APPEND PROPERTY OBJECT_DEPENDS ${plugin})
endfunction()
