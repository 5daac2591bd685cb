#!/usr/bin/env node
import { runWorkerCli } from './cli.js'

process.exitCode = await runWorkerCli(process.argv.slice(2))
