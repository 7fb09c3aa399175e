/**
 * Planted violations: a miniature of Roster's layout in which every architecture rule is broken
 * once, on purpose, so that {@code PlantedViolationsTest} can prove each rule fails. Nothing here
 * runs; the classes only need to compile.
 */
package dev.roster.planted;
