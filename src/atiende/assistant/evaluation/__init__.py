"""The assistant's evaluation (`make eval`): intent accuracy, answer-bot coverage at a target
precision, out-of-domain false answers, cross-lingual figures, and the precision-coverage
curve the bot page also draws for the live help center."""
