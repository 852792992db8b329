# What `cmake --install` puts where, and the Debian package CPack makes of
# it (`cpack` in the build directory, or the `package` target). The one
# decision: the package's Depends are computed by dpkg-shlibdeps from the
# binary itself, so they name exactly the run-time libraries it links on the
# release it was built on (Debian 12 and 13 differ: libevent-2.1-7t64);
# wolfSSL is linked statically and is not among them.
include(GNUInstallDirs)

install(TARGETS mtlsprobe RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES README.md CHANGELOG.md LICENSE DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(FILES cmake/debian-copyright DESTINATION ${CMAKE_INSTALL_DOCDIR} RENAME copyright)
install(DIRECTORY docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR}/docs)
# The built-in fixture spec and scenarios are compiled in; these copies are
# starting points for your own (--spec, --scenarios).
install(FILES fixtures/default.lua DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples/fixtures)
install(DIRECTORY scenarios/ DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples/scenarios)

# Man pages and shell completion are generated at build time from the verbs'
# option tables. The generator's outputs are named here (lists of absolute
# paths in the build tree); empty lists install nothing.
#   MTLSPROBE_MAN1_PAGES_GZ  mtlsprobe.1.gz, mtlsprobe-run.1.gz, ... -> share/man/man1
#                            (compressed, as Debian policy wants; MTLSPROBE_MAN1_PAGES,
#                            the uncompressed pages, when there are none)
#   MTLSPROBE_BASH_COMPLETION  one file, installed as .../bash-completion/completions/mtlsprobe
#   MTLSPROBE_ZSH_COMPLETION   one file, installed as .../zsh/vendor-completions/_mtlsprobe
if(MTLSPROBE_CHANGELOG_GZ)
  install(FILES ${MTLSPROBE_CHANGELOG_GZ} DESTINATION ${CMAKE_INSTALL_DOCDIR})
endif()
if(MTLSPROBE_MAN1_PAGES_GZ)
  install(FILES ${MTLSPROBE_MAN1_PAGES_GZ} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
elseif(MTLSPROBE_MAN1_PAGES)
  install(FILES ${MTLSPROBE_MAN1_PAGES} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
endif()
if(MTLSPROBE_BASH_COMPLETION)
  install(FILES ${MTLSPROBE_BASH_COMPLETION}
          DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions RENAME mtlsprobe)
endif()
if(MTLSPROBE_ZSH_COMPLETION)
  install(FILES ${MTLSPROBE_ZSH_COMPLETION}
          DESTINATION ${CMAKE_INSTALL_DATADIR}/zsh/vendor-completions RENAME _mtlsprobe)
endif()

# --- Debian package: mtlsprobe_<version>_<arch>.deb ---------------------------
# MTLSPROBE_PACKAGE_MAINTAINER (a cache variable) is set in CMakeLists.txt,
# which writes the package's changelog with it.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME mtlsprobe)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "tests how API gateways enforce mutual TLS")
set(CPACK_RESOURCE_FILE_LICENSE "${PROJECT_SOURCE_DIR}/LICENSE")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${MTLSPROBE_PACKAGE_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# report draws its charts with gnuplot and says so when it is missing.
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "gnuplot-nox | gnuplot")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
# The synopsis line is CPACK_PACKAGE_DESCRIPTION_SUMMARY; this is the body.
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
"mtlsprobe generates every good and bad client and server certificate a
mutual-TLS gateway must accept or refuse (expired, revoked, untrusted, wrong
purpose, broken chain...), runs a conformance suite against the gateway,
load-tests its handshakes, and writes JSON, JUnit, HTML and Markdown reports.
It also serves a strict reference mTLS gateway for demos and tests.
.
License: GPL-3.0-or-later. wolfSSL 5.9.2 (GPLv3) is linked in statically;
see /usr/share/doc/mtlsprobe/copyright.")
include(CPack)
